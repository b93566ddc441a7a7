/**
 * The xv6 file system, layer by layer as xv6-riscv has it, each class named after its file.
 *
 * <pre>
 *   FileSystem   sysfile.c's bodies (create, link, unlink), shared with the kernel's SysFile;
 *                and whole operations on them for the host tools, each in its own transaction(s)
 *   ImageFile    not in xv6: crash-safe replacement of a large file (checkpoint images), in
 *                transactions its caller brackets
 *   LargeFiles   not in xv6: free blocks, blocks of a file, truncation in steps
 *   Fs           fs.c: blocks, inodes, inode content, directories, path names
 *   Log          log.c: transactions, group commit, recovery
 *   Bio          bio.c: the buffer cache
 *   BlockDevice  (emulator) the disk
 * </pre>
 *
 * <p>Calls go downward only, and checkably so ({@code KernelArchitectureTest}): only {@link
 * xv6ckpt.kernel.fs.Bio} touches the {@link xv6ckpt.emulator.disk.BlockDevice} (besides the offline
 * tools below); {@code bwrite} is called only by Bio and {@link xv6ckpt.kernel.fs.Log}; {@link
 * xv6ckpt.kernel.fs.Fs}, {@link xv6ckpt.kernel.fs.LargeFiles} and {@link
 * xv6ckpt.kernel.fs.ImageFile} change blocks only through {@code Log.logWrite} inside their
 * caller's transaction and never begin one; here only {@link xv6ckpt.kernel.fs.FileSystem}'s whole
 * operations do (the others begin in the kernel's system calls, Exec, File, Proc, Checkpoint and
 * Restore). Nothing here uses the kernel package but {@link xv6ckpt.kernel.KernelPanic} (xv6's
 * panic) and {@link xv6ckpt.kernel.Param} (param.h).
 *
 * <p>Beside the layers: the on-disk format ({@link xv6ckpt.kernel.fs.FsFormat}, {@link
 * xv6ckpt.kernel.fs.Superblock}, {@link xv6ckpt.kernel.fs.Dinode}, {@link
 * xv6ckpt.kernel.fs.Dirent}), and the offline tools {@link xv6ckpt.kernel.fs.Mkfs}, which writes
 * raw blocks as xv6's mkfs does, and {@link xv6ckpt.kernel.fs.Fsck}, which reads raw blocks and
 * shares nothing with Fs but the format's decoders.
 *
 * <p>"None" in this layer: an absent object is an empty {@code Optional} (namei, dirlookup,
 * ialloc); a short count or -1 is a short read or write, as in xv6; a sysfile body's refusal is a
 * value naming its {@link xv6ckpt.kernel.fs.FsError} ({@code FileSystem.Refusal}); {@link
 * xv6ckpt.kernel.fs.FsException} exists only in FileSystem's whole operations for the host tools. A
 * broken invariant or a corrupted disk is a {@link xv6ckpt.kernel.KernelPanic} naming the rule,
 * never another exception.
 */
package xv6ckpt.kernel.fs;
