package xv6ckpt.kernel;

import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.fields;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import java.util.Set;
import xv6ckpt.emulator.disk.BlockDevice;
import xv6ckpt.kernel.fs.Bio;
import xv6ckpt.kernel.fs.Log;

/**
 * The layering the package docs promise ({@code package-info.java} of {@code xv6ckpt.kernel} and
 * {@code xv6ckpt.kernel.fs}), checked on the compiled main classes: each rule is one sentence of
 * those docs. A room is a top-level class with its nested classes and lambdas.
 */
@AnalyzeClasses(packages = "xv6ckpt.kernel", importOptions = ImportOption.DoNotIncludeTests.class)
class KernelArchitectureTest {

  /** Classes of the rooms named, nested classes included. */
  private static DescribedPredicate<JavaClass> rooms(String... names) {
    Set<String> set = Set.of(names);
    return describe("the rooms " + set, c -> set.contains(topLevel(c).getSimpleName()));
  }

  private static JavaClass topLevel(JavaClass c) {
    JavaClass t = c;
    while (t.getEnclosingClass().isPresent()) {
      t = t.getEnclosingClass().get();
    }
    return t;
  }

  /** The running kernel: everything but the host-side benchmarks. */
  private static final DescribedPredicate<JavaClass> KERNEL =
      describe(
          "the kernel (not its benchmarks)",
          c ->
              c.getPackageName().startsWith("xv6ckpt.kernel")
                  && !c.getPackageName().startsWith("xv6ckpt.kernel.bench"));

  private static DescribedPredicate<JavaMethodCall> calls(Class<?> owner, String... names) {
    Set<String> set = Set.of(names);
    return describe(
        owner.getSimpleName() + "." + set,
        call -> call.getTargetOwner().isAssignableTo(owner) && set.contains(call.getName()));
  }

  /** bio.c: only Bio calls the disk driver; the offline tools Mkfs and Fsck do by design. */
  @ArchTest
  static final ArchRule onlyBioTouchesTheBlockDevice =
      noClasses()
          .that(KERNEL.and(not(rooms("Bio", "Mkfs", "Fsck"))))
          .should()
          .callMethodWhere(calls(BlockDevice.class, "read", "write"))
          .because("only Bio touches the BlockDevice (fs/package-info.java)");

  /** bwrite appears only in bio.c and log.c. */
  @ArchTest
  static final ArchRule onlyBioAndLogWriteBuffers =
      noClasses()
          .that(not(rooms("Bio", "Log")))
          .should()
          .callMethodWhere(calls(Bio.class, "bwrite"))
          .because("bwrite is called only by Bio and Log (fs/package-info.java)");

  /**
   * begin_op sits in sysfile.c, exec.c, file.c and proc.c: here the system calls, Exec, File, Proc,
   * Checkpoint and Restore (through Machine's begin_op or, with a reservation of their own, Log's),
   * Machine itself (spawn's console, init's job), and FileSystem, whose whole operations are the
   * host tools' system calls.
   */
  @ArchTest
  static final ArchRule transactionsBeginWhereXv6BeginsThem =
      noClasses()
          .that(
              KERNEL.and(
                  not(
                      rooms(
                          "SysFile",
                          "SysProc",
                          "Exec",
                          "File",
                          "Proc",
                          "Checkpoint",
                          "Restore",
                          "Machine",
                          "FileSystem",
                          "Log"))))
          .should()
          .callMethodWhere(calls(Log.class, "beginOp", "beginOpNow"))
          .orShould()
          .callMethodWhere(calls(Machine.class, "beginOpNow"))
          .because("transactions begin only where xv6 begins them (package-info.java)");

  /** fs.c changes blocks only through log_write and never opens a transaction. */
  @ArchTest
  static final ArchRule fsNeverBeginsATransaction =
      noClasses()
          .that(rooms("Fs", "Inode", "LargeFiles", "ImageFile"))
          .should()
          .callMethodWhere(calls(Log.class, "beginOp", "beginOpNow"))
          .because("Fs, LargeFiles and ImageFile run inside their callers' transactions");

  /** Calls go downward: fs never uses the process layer, except xv6's panic and param.h. */
  @ArchTest
  static final ArchRule fsNeverCallsUpIntoTheKernel =
      noClasses()
          .that()
          .resideInAPackage("xv6ckpt.kernel.fs..")
          .should()
          .dependOnClassesThat(
              describe(
                  "xv6ckpt.kernel classes but KernelPanic, Param",
                  c ->
                      c.getPackageName().equals("xv6ckpt.kernel")
                          && !Set.of("KernelPanic", "Param").contains(c.getSimpleName())))
          .because("fs is below the kernel package (fs/package-info.java)");

  /** Within fs each layer uses only those below: Bio < Log < Fs < FileSystem, ImageFile. */
  @ArchTest
  static final ArchRule bioKnowsNoLayerAbove =
      noClasses()
          .that(rooms("Bio", "Buf"))
          .should()
          .dependOnClassesThat(rooms("Log", "Fs", "Inode", "FileSystem", "ImageFile"))
          .because("bio.c knows blocks, not transactions or inodes");

  @ArchTest
  static final ArchRule logKnowsNoInodes =
      noClasses()
          .that(rooms("Log"))
          .should()
          .dependOnClassesThat(rooms("Fs", "Inode", "FileSystem", "ImageFile"))
          .because("log.c knows blocks, not inodes");

  @ArchTest
  static final ArchRule fsKnowsNoWholeOperations =
      noClasses()
          .that(rooms("Fs", "Inode", "LargeFiles"))
          .should()
          .dependOnClassesThat(rooms("FileSystem", "ImageFile"))
          .because("fs.c is below sysfile.c");

  /** Fsck reads raw blocks and shares nothing with the running file system but the format. */
  @ArchTest
  static final ArchRule fsckSharesOnlyTheFormat =
      noClasses()
          .that(rooms("Fsck"))
          .should()
          .dependOnClassesThat(rooms("Bio", "Buf", "Log", "Fs", "Inode", "FileSystem"))
          .because("an fsck that shares Fs's code cannot catch Fs's bugs");

  /** The process layer works on inodes and files; buffers belong to the file system. */
  @ArchTest
  static final ArchRule theProcessLayerNeverTouchesBuffers =
      noClasses()
          .that()
          .resideInAPackage("xv6ckpt.kernel")
          .should()
          .dependOnClassesThat(rooms("Bio", "Buf"))
          .because("system calls work on inodes and files, never on raw buffers");

  /** Many machines live in one JVM: nothing static is mutable. */
  @ArchTest
  static final ArchRule noStaticMutableState =
      fields()
          .that()
          .areStatic()
          .should()
          .beFinal()
          .because("machines are values and many live in one JVM (Machine)");
}
