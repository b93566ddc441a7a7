// ls: for each argument (default "."), prints one line per file:
// "name type inode size", the name padded to DIRSIZ columns; a directory
// is listed entry by entry. Exits 1 if any argument cannot be listed.
#include "user.h"

// The last component of path, padded with blanks to DIRSIZ columns.
static const char *
column(const char *path)
{
  static char out[DIRSIZ + 1];
  const char *p = path + strlen(path);
  uint n;

  while(p > path && p[-1] != '/')
    p--;
  n = strlen(p);
  if(n > DIRSIZ)
    n = DIRSIZ;
  memmove(out, p, n);
  memset(out + n, ' ', DIRSIZ - n);
  out[DIRSIZ] = 0;
  return out;
}

static void
line(const char *name, struct stat *st)
{
  printf("%s %d %d %lu\n", column(name), st->type, st->ino, st->size);
}

// Lists the entries of the open directory fd named path.
static int
listdir(int fd, const char *path)
{
  static char buf[MAXPATH + DIRSIZ + 2];
  struct dirent de;
  struct stat st;
  uint n = strlen(path);

  if(n + 1 + DIRSIZ + 1 > sizeof(buf)){
    fprintf(2, "ls: path too long: %s\n", path);
    return -1;
  }
  strcpy(buf, path);
  buf[n++] = '/';
  while(read(fd, &de, sizeof(de)) == sizeof(de)){
    if(de.inum == 0)
      continue;
    memmove(buf + n, de.name, DIRSIZ);
    buf[n + DIRSIZ] = 0;
    if(stat(buf, &st) < 0){
      fprintf(2, "ls: cannot stat %s\n", buf);
      continue;
    }
    line(buf, &st);
  }
  return 0;
}

static int
ls(const char *path)
{
  int fd, r = 0;
  struct stat st;

  if((fd = open(path, O_RDONLY)) < 0){
    fprintf(2, "ls: cannot open %s\n", path);
    return -1;
  }
  if(fstat(fd, &st) < 0){
    fprintf(2, "ls: cannot stat %s\n", path);
    close(fd);
    return -1;
  }
  if(st.type == T_DIR)
    r = listdir(fd, path);
  else
    line(path, &st);
  close(fd);
  return r;
}

int
main(int argc, char **argv)
{
  int i, status = 0;

  if(argc < 2)
    return ls(".") < 0 ? 1 : 0;
  for(i = 1; i < argc; i++){
    if(ls(argv[i]) < 0)
      status = 1;
  }
  return status;
}
