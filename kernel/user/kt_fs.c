// kt_fs.c: files and directories at their limits.
//
// Contract: checks the file size limit (MAXFILE blocks: the last byte
// fits, one more does not), the per-process open-file limit NOFILE, the
// machine-wide file table NFILE, and
// xv6's rules for directories, links, unlink and device nodes. Every file
// it makes is named kt.* and removed again.
#include "ktest.h"

// ---------------------------------------------------------------- size limit

static char block[BSIZE];

static void
fill_block(int b)
{
  int i;

  for(i = 0; i < BSIZE; i++)
    block[i] = (char)(b + i * 3);
}

// Writes MAXFILE blocks, checks one more byte is refused, reads it all back.
static void
maxfile_checks(void)
{
  int fd, b, bad = -1;
  struct stat st;

  fd = open("kt.big", O_CREATE | O_TRUNC | O_RDWR);
  for(b = 0; b < MAXFILE && bad < 0; b++){
    fill_block(b);
    if(write(fd, block, BSIZE) != BSIZE)
      bad = b;
  }
  expect(bad < 0, "file.maxsize.fill", "write of block %d failed", bad);
  expect_err("file.maxsize.over", write(fd, block, 1));
  expect(fstat(fd, &st) == 0 && st.size == MAXFILE * BSIZE, "file.maxsize.size",
         "size %ld, want %d", (long)st.size, MAXFILE * BSIZE);
  close(fd);

  fd = open("kt.big", O_RDONLY);
  for(b = 0, bad = -1; b < MAXFILE && bad < 0; b++){
    if(read(fd, scratch, BSIZE) != BSIZE)
      bad = b;
    fill_block(b);
    if(memcmp(scratch, block, BSIZE) != 0)
      bad = b;
  }
  expect(bad < 0, "file.maxsize.readback", "block %d reads back wrong", bad);
  expect_eq("file.maxsize.eof", read(fd, scratch, 1), 0);
  close(fd);
  expect_eq("file.maxsize.unlink", unlink("kt.big"), 0);
}

// ---------------------------------------------------------------- NOFILE

static void
nofile_checks(void)
{
  int fds[NOFILE], n = 0, fd, i;

  // fds 0, 1 and 2 are open, so NOFILE - 3 more fit.
  make_file("kt.f", 10);
  while(n < NOFILE && (fd = open("kt.f", O_RDONLY)) >= 0)
    fds[n++] = fd;
  expect_eq("fd.nofile.open", n, NOFILE - 3);
  expect_err("fd.nofile.dup", dup(0));
  expect_err("fd.nofile.pipe", pipe((int *)scratch));
  for(i = 0; i < n; i++)
    close(fds[i]);

  // Freed slots are reused lowest first.
  fd = open("kt.f", O_RDONLY);
  expect_eq("fd.lowest", fd, 3);
  close(fd);

  // dup shares the offset.
  fd = open("kt.f", O_RDONLY);
  i = dup(fd);
  read(fd, scratch, 4);
  expect(read(i, scratch, 1) == 1 && scratch[0] == (char)(4 * 7 + 1), "fd.dup.offset",
         "the dup did not share the file offset");
  close(fd);
  close(i);
  unlink("kt.f");
}

// Children open files until the machine-wide file table (NFILE entries)
// runs out, report how many they got, and hold them until released.
// Each child has fds 0-2 and one end of each of two pipes, so NOFILE - 5
// opens fit its own table; enough children run that the shared table
// must fill first.
#define NFILE_CHILDREN (NFILE / (NOFILE - 5) + 2)

static void
nfile_child(int ready, int release)
{
  int n = 0;
  char c;

  while(n < NOFILE && open("kt.nf", O_RDONLY) >= 0)
    n++;
  write(ready, &n, sizeof(n));
  read(release, &c, 1);          // returns 0 once the parent closes its end
  exit(0);
}

static void
nfile_check(void)
{
  int ready[2], release[2], i, n, total = 0, limited = 0, fd;

  make_file("kt.nf", 1);
  pipe(ready);
  pipe(release);
  for(i = 0; i < NFILE_CHILDREN; i++){
    if(fork() == 0){
      close(ready[0]);
      close(release[1]);
      nfile_child(ready[1], release[0]);
    }
  }
  close(ready[1]);
  close(release[0]);
  for(i = 0; i < NFILE_CHILDREN; i++){
    if(read(ready[0], &n, sizeof(n)) != sizeof(n))
      break;
    total += n;
    if(n < NOFILE - 5)
      limited = 1;
  }
  close(ready[0]);
  close(release[1]);
  while(wait(0) >= 0)
    ;
  // The console and the four pipe ends hold at least five entries.
  expect(limited && total <= NFILE - 5, "fd.nfile",
         "%d children opened %d files in all (table of %d), %s hit the limit",
         NFILE_CHILDREN, total, NFILE, limited ? "some" : "none");
  fd = open("kt.nf", O_RDONLY);
  expect(fd >= 0, "fd.nfile.after", "open fails after the holders exited");
  close(fd);
  unlink("kt.nf");
}

// ---------------------------------------------------------------- directories

static void
dir_checks(void)
{
  int fd;
  struct stat st;
  struct dirent de;

  expect_eq("dir.mkdir", mkdir("kt.d"), 0);
  expect_err("dir.mkdir.exists", mkdir("kt.d"));
  expect_err("dir.mkdir.noparent", mkdir("kt.missing/sub"));
  expect_err("dir.open.wronly", open("kt.d", O_WRONLY));
  expect_err("dir.open.rdwr", open("kt.d", O_RDWR));
  expect_err("dir.open.create", open("kt.d", O_CREATE | O_RDWR));

  // A new directory starts with "." (itself) and "..".
  fd = open("kt.d", O_RDONLY);
  fstat(fd, &st);
  expect(st.type == T_DIR, "dir.fstat.type", "type %d", st.type);
  expect(read(fd, &de, sizeof(de)) == sizeof(de) && strcmp(de.name, ".") == 0 &&
         de.inum == st.ino, "dir.read.dot", "first entry is not . with its own inode");
  expect_err("dir.write", write(fd, &de, sizeof(de)));
  close(fd);

  expect_eq("dir.chdir", chdir("kt.d"), 0);
  make_file("kt.in", 10);
  expect_eq("dir.chdir.up", chdir(".."), 0);
  fd = open("kt.d/kt.in", O_RDONLY);
  expect(fd >= 0, "dir.path", "kt.d/kt.in does not open");
  close(fd);
  expect_err("dir.chdir.file", chdir("kt.d/kt.in"));
  expect_err("dir.chdir.noent", chdir("kt.missing"));
  expect_err("dir.unlink.notempty", unlink("kt.d"));
  expect_err("dir.unlink.dot", unlink("kt.d/."));
  expect_err("dir.unlink.dotdot", unlink("kt.d/.."));
  expect_err("dir.link", link("kt.d", "kt.dlink"));
  expect_eq("dir.unlink.file", unlink("kt.d/kt.in"), 0);
  expect_eq("dir.unlink.empty", unlink("kt.d"), 0);
  expect_err("dir.gone", open("kt.d", O_RDONLY));
}

// ---------------------------------------------------------------- links

static void
link_checks(void)
{
  int fd;
  struct stat st;

  make_file("kt.l1", 20);
  expect_eq("link.make", link("kt.l1", "kt.l2"), 0);
  expect(stat("kt.l2", &st) == 0 && st.nlink == 2, "link.nlink", "nlink %d", st.nlink);
  expect_err("link.exists", link("kt.l1", "kt.l2"));
  expect_err("link.noent", link("kt.missing", "kt.l3"));
  expect_eq("link.unlink", unlink("kt.l1"), 0);
  expect(stat("kt.l2", &st) == 0 && st.nlink == 1 && st.size == 20, "link.survives",
         "after unlinking the first name: nlink %d size %ld", st.nlink, (long)st.size);
  expect_err("unlink.noent", unlink("kt.l1"));

  // An unlinked file stays readable through an open fd.
  fd = open("kt.l2", O_RDONLY);
  unlink("kt.l2");
  expect(read(fd, scratch, 100) == 20 && scratch[1] == 8, "unlink.open",
         "the open file lost its data");
  close(fd);

  // O_TRUNC empties a file.
  make_file("kt.t", 30);
  fd = open("kt.t", O_RDWR | O_TRUNC);
  expect(fstat(fd, &st) == 0 && st.size == 0, "open.trunc", "size %ld", (long)st.size);
  close(fd);
  unlink("kt.t");
}

// ---------------------------------------------------------------- devices

static void
device_checks(void)
{
  int fd;
  struct stat st;

  // A node may be made with any major, but opening one outside the device
  // table fails.
  expect_eq("mknod.make", mknod("kt.dev", 99, 0), 0);
  expect(stat("kt.dev", &st) == -1, "mknod.badmajor.open", "opened a device of major 99");
  expect_err("mknod.exists", mknod("kt.dev", CONSOLE, 0));
  unlink("kt.dev");

  fd = open("/console", O_RDWR);
  expect(fd >= 0 && fstat(fd, &st) == 0 && st.type == T_DEVICE, "console.fstat",
         "/console is missing or not a device");
  close(fd);
}

void
test_fs(void)
{
  maxfile_checks();
  nofile_checks();
  nfile_check();
  dir_checks();
  link_checks();
  device_checks();
}
