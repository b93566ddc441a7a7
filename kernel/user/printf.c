// printf.c: formatted output to a file descriptor.
//
// Contract: printf writes to fd 1, fprintf and vfprintf to the fd given. Conversions:
// %d %i %u %x with an optional 'l' (64-bit) before them, %p (0x and 16 hex
// digits), %s ("(null)" for a null pointer), %c and %%; anything else is
// printed as it stands so a bad format is visible rather than silent.
// Output is collected in a small buffer and written in as few write()
// calls as fit, so that one short printf reaches a pipe or the console in
// one piece even when several processes print at once.
#include <stdarg.h>
#include "user.h"

// The buffer of one printf call: flushed when full and at the end.
struct outbuf {
  int fd;
  int n;
  char buf[128];
};

static void
flush(struct outbuf *o)
{
  if(o->n > 0)
    write(o->fd, o->buf, o->n);
  o->n = 0;
}

static void
putc(struct outbuf *o, char c)
{
  if(o->n == sizeof(o->buf))
    flush(o);
  o->buf[o->n++] = c;
}

static void
puts(struct outbuf *o, const char *s)
{
  if(s == 0)
    s = "(null)";
  while(*s)
    putc(o, *s++);
}

// Prints x in base 10 or 16; signed says whether the top bit is a sign.
static void
putnum(struct outbuf *o, uint64 x, int base, int sgn)
{
  static const char digits[] = "0123456789abcdef";
  char tmp[24];
  int i = 0;

  if(sgn && (long)x < 0){
    putc(o, '-');
    x = -x;
  }
  do {
    tmp[i++] = digits[x % base];
    x /= base;
  } while(x != 0);
  while(i > 0)
    putc(o, tmp[--i]);
}

static void
putptr(struct outbuf *o, uint64 x)
{
  int shift;

  putc(o, '0');
  putc(o, 'x');
  for(shift = 60; shift >= 0; shift -= 4)
    putc(o, "0123456789abcdef"[(x >> shift) & 0xf]);
}

// One conversion: c is the letter after '%' (and after 'l' if islong).
static void
convert(struct outbuf *o, char c, int islong, va_list *ap)
{
  switch(c){
  case 'd':
  case 'i':
    putnum(o, islong ? (uint64)va_arg(*ap, long) : (uint64)(long)va_arg(*ap, int), 10, 1);
    break;
  case 'u':
    putnum(o, islong ? va_arg(*ap, uint64) : va_arg(*ap, uint), 10, 0);
    break;
  case 'x':
    putnum(o, islong ? va_arg(*ap, uint64) : va_arg(*ap, uint), 16, 0);
    break;
  case 'p':
    putptr(o, (uint64)va_arg(*ap, void *));
    break;
  case 's':
    puts(o, va_arg(*ap, const char *));
    break;
  case 'c':
    putc(o, (char)va_arg(*ap, int));
    break;
  case '%':
    putc(o, '%');
    break;
  default:
    // Unknown conversion: show it as written.
    putc(o, '%');
    if(islong)
      putc(o, 'l');
    putc(o, c);
    break;
  }
}

void
vfprintf(int fd, const char *fmt, va_list ap)
{
  struct outbuf o;
  int islong;

  o.fd = fd;
  o.n = 0;
  for(; *fmt; fmt++){
    if(*fmt != '%'){
      putc(&o, *fmt);
      continue;
    }
    fmt++;
    islong = 0;
    while(*fmt == 'l'){
      islong = 1;
      fmt++;
    }
    if(*fmt == 0)
      break;                   // a lone '%' at the end prints nothing
    convert(&o, *fmt, islong, &ap);
  }
  flush(&o);
}

void
fprintf(int fd, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vfprintf(fd, fmt, ap);
  va_end(ap);
}

void
printf(const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vfprintf(1, fmt, ap);
  va_end(ap);
}
