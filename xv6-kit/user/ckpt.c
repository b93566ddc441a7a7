// ckpt PID FILE: checkpoints process PID (0: ckpt itself) to FILE with
// system call 22. On a refusal it names the rule (the kernel prints its own
// console line with the details) and exits 1; 2 on bad usage.
#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"
#define CK_RULE_NAMES
#include "kernel/checkpoint.h"

int
main(int argc, char *argv[])
{
  int r;

  if(argc != 3 || argv[1][0] < '0' || argv[1][0] > '9'){
    fprintf(2, "usage: ckpt PID FILE\n");
    exit(2);
  }
  r = checkpoint(atoi(argv[1]), argv[2]);
  if(r < 0){
    fprintf(2, "ckpt: %s: %s (%d)\n", argv[2], ck_rulename(r), r);
    exit(1);
  }
  exit(0);
}
