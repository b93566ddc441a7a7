// wc: counts lines, words and bytes of each named file (or of standard
// input), printing "lines words bytes name" for each.
#include "user.h"

static char buf[2048];

struct counts {
  int lines, words, bytes;
};

static int
isspace(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v';
}

// Counts fd to its end; returns -1 on a read error.
static int
count(int fd, struct counts *c)
{
  int n, i, inword = 0;

  c->lines = c->words = c->bytes = 0;
  while((n = read(fd, buf, sizeof(buf))) > 0){
    for(i = 0; i < n; i++){
      c->bytes++;
      if(buf[i] == '\n')
        c->lines++;
      if(isspace(buf[i])){
        inword = 0;
      } else if(!inword){
        inword = 1;
        c->words++;
      }
    }
  }
  return n < 0 ? -1 : 0;
}

static int
report(int fd, const char *name)
{
  struct counts c;

  if(count(fd, &c) < 0){
    fprintf(2, "wc: read error\n");
    return -1;
  }
  printf("%d %d %d %s\n", c.lines, c.words, c.bytes, name);
  return 0;
}

int
main(int argc, char **argv)
{
  int i, fd;

  if(argc < 2)
    return report(0, "") < 0 ? 1 : 0;
  for(i = 1; i < argc; i++){
    if((fd = open(argv[i], O_RDONLY)) < 0){
      fprintf(2, "wc: cannot open %s\n", argv[i]);
      return 1;
    }
    if(report(fd, argv[i]) < 0){
      close(fd);
      return 1;
    }
    close(fd);
  }
  return 0;
}
