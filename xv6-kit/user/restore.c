// restore FILE: this process becomes the one in the image FILE (system
// call 23) and never comes back here. On a refusal it names the rule (the
// kernel prints its own console line) and exits 1; 2 on bad usage.
#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"
#define CK_RULE_NAMES
#include "kernel/checkpoint.h"

int
main(int argc, char *argv[])
{
  int r;

  if(argc != 2){
    fprintf(2, "usage: restore FILE\n");
    exit(2);
  }
  r = restore(argv[1]);
  fprintf(2, "restore: %s: %s (%d)\n", argv[1], ck_rulename(r), r);
  exit(1);
}
