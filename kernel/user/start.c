// start.c: the entry point of every program (ENTRY in user.ld).
//
// Contract: xv6's exec enters a new image at the ELF entry with a0 = argc,
// a1 = argv (an array of argc pointers followed by 0) and sp 16-byte
// aligned just below the argument strings, on a one-page stack. _start
// therefore receives argc and argv as ordinary C arguments, calls main,
// and exits with main's return value. xv6's own programs call exit
// themselves; a program that returns from main is treated the same way
// here instead of running off the end of the text.
#include "user.h"

extern int main(int argc, char **argv);

__attribute__((noreturn)) void
_start(int argc, char **argv)
{
  exit(main(argc, argv));
}
