// grep: prints the lines of each named file (or of standard input) that
// contain a match of PATTERN. Patterns are xv6's small regular
// expressions: c matches itself, '.' any character, x* zero or more of x,
// a leading '^' anchors at the line start and a trailing '$' at its end.
// Exits 0 if some line matched, 1 if none did, 2 on an error.
#include "user.h"

static char buf[2048];

static int matchhere(const char *re, const char *text);

// Does re match at the start of text?  x* tries the shortest run first.
static int
matchstar(char c, const char *re, const char *text)
{
  for(;;){
    if(matchhere(re, text))
      return 1;
    if(*text == 0 || (c != '.' && *text != c))
      return 0;
    text++;
  }
}

static int
matchhere(const char *re, const char *text)
{
  for(;;){
    if(re[0] == 0)
      return 1;
    if(re[1] == '*')
      return matchstar(re[0], re + 2, text);
    if(re[0] == '$' && re[1] == 0)
      return *text == 0;
    if(*text == 0 || (re[0] != '.' && re[0] != *text))
      return 0;
    re++;
    text++;
  }
}

// Does re match anywhere in text?
static int
match(const char *re, const char *text)
{
  if(re[0] == '^')
    return matchhere(re + 1, text);
  do {
    if(matchhere(re, text))
      return 1;
  } while(*text++ != 0);
  return 0;
}

// Scans fd line by line; lines longer than the buffer are cut into
// buffer-sized pieces. Returns the number of matching lines, -1 on error.
static int
grep(const char *re, int fd)
{
  int n, have = 0, found = 0;
  char *line, *nl;

  while((n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0){
    have += n;
    buf[have] = 0;
    line = buf;
    while((nl = strchr(line, '\n')) != 0){
      *nl = 0;
      if(match(re, line)){
        *nl = '\n';
        write(1, line, nl + 1 - line);
        found++;
      }
      line = nl + 1;
    }
    have -= line - buf;
    if(have == sizeof(buf) - 1){
      // No newline in a full buffer: judge it as a line of its own.
      if(match(re, buf)){
        write(1, buf, have);
        write(1, "\n", 1);
        found++;
      }
      have = 0;
    } else {
      memmove(buf, line, have);
    }
  }
  if(n < 0)
    return -1;
  if(have > 0){
    buf[have] = 0;
    if(match(re, buf)){
      write(1, buf, have);
      write(1, "\n", 1);
      found++;
    }
  }
  return found;
}

int
main(int argc, char **argv)
{
  int i, fd, n, found = 0;

  if(argc < 2){
    fprintf(2, "usage: grep pattern [file ...]\n");
    return 2;
  }
  if(argc == 2){
    n = grep(argv[1], 0);
    if(n < 0){
      fprintf(2, "grep: read error\n");
      return 2;
    }
    return n > 0 ? 0 : 1;
  }
  for(i = 2; i < argc; i++){
    if((fd = open(argv[i], O_RDONLY)) < 0){
      fprintf(2, "grep: cannot open %s\n", argv[i]);
      return 2;
    }
    n = grep(argv[1], fd);
    close(fd);
    if(n < 0){
      fprintf(2, "grep: read error on %s\n", argv[i]);
      return 2;
    }
    found += n;
  }
  return found > 0 ? 0 : 1;
}
