// cat: copies each named file (or standard input if none) to standard
// output. Exits 1 at the first file it cannot open or read.
#include "user.h"

static char buf[2048];

// Copies fd to fd 1; returns -1 on a read or write error.
static int
copy(int fd)
{
  int n;

  while((n = read(fd, buf, sizeof(buf))) > 0){
    if(write(1, buf, n) != n)
      return -1;
  }
  return n;
}

int
main(int argc, char **argv)
{
  int i, fd;

  if(argc < 2){
    if(copy(0) < 0){
      fprintf(2, "cat: read error\n");
      return 1;
    }
    return 0;
  }
  for(i = 1; i < argc; i++){
    if((fd = open(argv[i], O_RDONLY)) < 0){
      fprintf(2, "cat: cannot open %s\n", argv[i]);
      return 1;
    }
    if(copy(fd) < 0){
      fprintf(2, "cat: read error on %s\n", argv[i]);
      close(fd);
      return 1;
    }
    close(fd);
  }
  return 0;
}
