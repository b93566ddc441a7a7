// kt_exec.c: exec of malformed ELF images.
//
// Contract: builds small ELF files by hand and execs each in a child.
// A well-formed one (which exits 42 through ecall) must run; every image
// that breaks one of exec's rules (magic, a program header that cannot be
// read whole, memsz < filesz, vaddr + memsz overflowing, an unaligned
// vaddr, a segment whose bytes are not in the file, more memory than the
// machine has) must make exec return -1 with the caller's image intact.
// An image exec accepts but whose entry point is unmapped is killed. Also:
// open fds survive exec, and argv arrives laid out as xv6 lays it out.
#include "ktest.h"

// ELF64 as xv6's exec reads it (kernel/elf.h), little-endian.
#define ELF_MAGIC 0x464C457FU    // "\x7FELF"
#define ELF_PROG_LOAD 1

struct elfhdr {
  uint magic;
  uchar elf[12];
  ushort type;
  ushort machine;
  uint version;
  uint64 entry;
  uint64 phoff;
  uint64 shoff;
  uint flags;
  ushort ehsize;
  ushort phentsize;
  ushort phnum;
  ushort shentsize;
  ushort shnum;
  ushort shstrndx;
};

struct proghdr {
  uint type;
  uint flags;
  uint64 off;
  uint64 vaddr;
  uint64 paddr;
  uint64 filesz;
  uint64 memsz;
  uint64 align;
};

// The program: li a0, 42; li a7, SYS_exit; ecall.
static const uint code[] = {
  0x02a00513,                    // addi a0, zero, 42
  0x00000893 | (SYS_exit << 20), // addi a7, zero, SYS_exit
  0x00000073,                    // ecall
};

struct image {
  struct elfhdr eh;
  struct proghdr ph;
  uint code[3];
};

static struct image img;

#define CODE_OFF ((uint64)sizeof(struct elfhdr) + sizeof(struct proghdr))

// A valid image: one R+X segment at vaddr 0 holding the whole file.
static void
good_image(void)
{
  memset(&img, 0, sizeof(img));
  img.eh.magic = ELF_MAGIC;
  img.eh.elf[0] = 2;             // ELFCLASS64
  img.eh.elf[1] = 1;             // little-endian
  img.eh.elf[2] = 1;             // version
  img.eh.type = 2;               // ET_EXEC
  img.eh.machine = 0xf3;         // EM_RISCV
  img.eh.version = 1;
  img.eh.entry = CODE_OFF;
  img.eh.phoff = sizeof(struct elfhdr);
  img.eh.ehsize = sizeof(struct elfhdr);
  img.eh.phentsize = sizeof(struct proghdr);
  img.eh.phnum = 1;
  img.ph.type = ELF_PROG_LOAD;
  img.ph.flags = 5;              // PF_R | PF_X
  img.ph.off = 0;
  img.ph.vaddr = 0;
  img.ph.filesz = sizeof(img);
  img.ph.memsz = sizeof(img);
  img.ph.align = PGSIZE;
  memmove(img.code, code, sizeof(code));
}

static char *elf_argv[] = { "kt.elf", 0 };

// Writes the first n bytes of img as kt.elf and execs it in a child.
static int
run_image(int n)
{
  int fd;

  unlink("kt.elf");
  if((fd = open("kt.elf", O_CREATE | O_RDWR)) < 0)
    return -2000;
  if(write(fd, &img, n) != n){
    close(fd);
    return -2001;
  }
  close(fd);
  return exec_status("kt.elf", elf_argv);
}

static void
expect_rejected(const char *name, int n)
{
  int st = run_image(n);

  expect(st == CALL_FAILED, name, "exec did not return -1 (child status %d)", st);
}

// Empty, short, blank-containing and long (more than one 16-byte slot)
// strings, so each lands at a different alignment on the new stack.
char *argv_probe[] = {
  "ktest", "argv-check", "", "x", "two words",
  "0123456789abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
  0,
};

int
argv_check(int argc, char **argv)
{
  int i, n = 0, bad = 0;
  uint64 base = (uint64)argv, top = PGROUNDUP(base + 1);

  while(argv_probe[n])
    n++;
  if(argc != n)
    return ARGV_COUNT;
  for(i = 0; i < argc; i++){
    if(strcmp(argv[i], argv_probe[i]) != 0)
      bad |= ARGV_STRINGS;
    if((uint64)argv[i] <= base || (uint64)argv[i] >= top)
      bad |= ARGV_PLACE;
  }
  if(argv[argc] != 0)
    bad |= ARGV_UNTERM;
  if(base % 16 != 0)
    bad |= ARGV_ALIGN;
  return bad;
}

// The arguments arrive intact, terminated and aligned on the new stack.
static void
argv_layout_check(void)
{
  int st = exec_status(ktest_path, argv_probe);

  expect(st == 0, "exec.argv.layout",
         "the new image reported %d (1 argc, 2 strings, 4 no final 0, "
         "8 argv unaligned, 16 strings off the stack page)", st);
}

static char fdarg[4];
static char *fdtype_argv[] = { "ktest", "fd-type", fdarg, 0 };

// Open files survive exec: the new image sees the fd and its type.
static void
fd_checks(void)
{
  int fd;

  make_file("kt.fd", 1);
  fd = open("kt.fd", O_RDONLY);
  fdarg[0] = '0' + fd / 10;
  fdarg[1] = '0' + fd % 10;
  expect_eq("exec.keeps_fds", exec_status(ktest_path, fdtype_argv), T_FILE);
  close(fd);
  expect_eq("exec.closed_fd", exec_status(ktest_path, fdtype_argv), -1);
  unlink("kt.fd");
}

void
test_exec(void)
{
  static int canary = 0x5a5a;

  good_image();
  expect_eq("elf.good", run_image(sizeof(img)), 42);

  expect_rejected("elf.empty", 0);
  expect_rejected("elf.header.short", sizeof(struct elfhdr) - 8);

  good_image();
  img.eh.magic = 0x474C457F;     // "\x7FELG"
  expect_rejected("elf.magic", sizeof(img));

  good_image();
  img.eh.phoff = 4096;
  expect_rejected("elf.phoff.past_end", sizeof(img));

  good_image();
  img.eh.phoff = sizeof(img) - 20;
  expect_rejected("elf.ph.truncated", sizeof(img));

  good_image();
  img.eh.phnum = 65535;
  expect_rejected("elf.phnum.huge", sizeof(img));

  good_image();
  img.ph.memsz = img.ph.filesz - 1;
  expect_rejected("elf.memsz_lt_filesz", sizeof(img));

  good_image();
  img.ph.vaddr = 0xfffffffffffff000UL;
  img.ph.memsz = 2 * PGSIZE;
  img.ph.filesz = 0;
  expect_rejected("elf.vaddr.overflow", sizeof(img));

  good_image();
  img.ph.vaddr = 0x10;
  expect_rejected("elf.vaddr.unaligned", sizeof(img));

  good_image();
  img.ph.filesz = 3 * PGSIZE;
  img.ph.memsz = 3 * PGSIZE;
  expect_rejected("elf.filesz.past_end", sizeof(img));

  good_image();
  img.ph.memsz = 1UL << 36;      // 64 GiB below MAXVA: runs out of memory
  expect_rejected("elf.memsz.huge", sizeof(img));

  good_image();
  img.eh.entry = 0x10000000;     // nothing mapped there
  expect_eq("elf.entry.unmapped", run_image(sizeof(img)), KILLED);

  good_image();
  expect(run_image(sizeof(img)) == 42 && canary == 0x5a5a, "elf.after",
         "exec no longer works after the bad images");
  unlink("kt.elf");
  fd_checks();
  argv_layout_check();
}
