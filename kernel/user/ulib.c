// ulib.c: strings, memory and a few file helpers for user programs.
//
// Contract: each function behaves as its C-library namesake for the cases
// our programs use; none of them allocates. The compiler is told
// -fno-builtin, so these are the only definitions and GCC will not turn a
// loop here into a call to itself.
#include "user.h"

char *
strcpy(char *dst, const char *src)
{
  char *d = dst;

  while((*d++ = *src++) != 0)
    ;
  return dst;
}

int
strcmp(const char *a, const char *b)
{
  while(*a && *a == *b){
    a++;
    b++;
  }
  return (uchar)*a - (uchar)*b;
}

int
strncmp(const char *a, const char *b, uint n)
{
  for(; n > 0; n--, a++, b++){
    if(*a != *b || *a == 0)
      return (uchar)*a - (uchar)*b;
  }
  return 0;
}

uint
strlen(const char *s)
{
  uint n = 0;

  while(s[n])
    n++;
  return n;
}

// Returns a pointer to the first c in s, or 0 if there is none.
char *
strchr(const char *s, char c)
{
  for(; *s; s++){
    if(*s == c)
      return (char *)s;
  }
  return 0;
}

void *
memset(void *dst, int c, uint n)
{
  uchar *d = dst;

  while(n-- > 0)
    *d++ = (uchar)c;
  return dst;
}

// Copies n bytes; the two areas may overlap, so copy backwards when the
// destination starts inside the source.
void *
memmove(void *dst, const void *src, int n)
{
  uchar *d = dst;
  const uchar *s = src;

  if(n <= 0)
    return dst;
  if(s < d && s + n > d){
    d += n;
    s += n;
    while(n-- > 0)
      *--d = *--s;
  } else {
    while(n-- > 0)
      *d++ = *s++;
  }
  return dst;
}

// GCC may emit calls to memcpy for structure copies, so it must exist.
void *
memcpy(void *dst, const void *src, uint n)
{
  return memmove(dst, src, (int)n);
}

int
memcmp(const void *a, const void *b, uint n)
{
  const uchar *p = a, *q = b;

  for(; n > 0; n--, p++, q++){
    if(*p != *q)
      return *p - *q;
  }
  return 0;
}

// Reads one line from fd 0 into buf, at most max-1 bytes, keeping the
// newline. Stops early at end of input; buf is always terminated, so an
// empty string means end of input.
char *
gets(char *buf, int max)
{
  int i = 0;
  char c;

  while(i + 1 < max){
    if(read(0, &c, 1) < 1)
      break;
    buf[i++] = c;
    if(c == '\n' || c == '\r')
      break;
  }
  buf[i] = 0;
  return buf;
}

// fstat by name: -1 if path cannot be opened.
int
stat(const char *path, struct stat *st)
{
  int fd, r;

  fd = open(path, O_RDONLY);
  if(fd < 0)
    return -1;
  r = fstat(fd, st);
  close(fd);
  return r;
}

// Decimal digits with an optional leading '-'; stops at the first
// non-digit (so "12x" is 12 and "x" is 0).
int
atoi(const char *s)
{
  int n = 0, neg = 0;

  if(*s == '-'){
    neg = 1;
    s++;
  }
  while(*s >= '0' && *s <= '9')
    n = n * 10 + (*s++ - '0');
  return neg ? -n : n;
}
