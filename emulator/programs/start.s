# Entry point: the loader has put argc in a0 and argv in a1, as xv6's exec does,
# so main can be called directly; its return value becomes the exit status.
  .file "start.s"
  .section .text.start
  .globl _start
_start:
  call main
  li a7, 2        # SYS_exit
  ecall
1:
  j 1b
