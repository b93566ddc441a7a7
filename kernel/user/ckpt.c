// ckpt: checkpoint(PID, FILE): writes process PID (0: ckpt itself, which
// is not useful from a shell) to FILE. Prints the rule on failure (the
// kernel prints its own line too) and exits 1; 2 on bad usage.
#include "user.h"
#include "ckptfmt.h"

int
main(int argc, char **argv)
{
  int r;

  if(argc != 3 || (argv[1][0] < '0' || argv[1][0] > '9')){
    fprintf(2, "usage: ckpt PID FILE\n");
    return 2;
  }
  r = checkpoint(atoi(argv[1]), argv[2]);
  if(r < 0){
    fprintf(2, "ckpt: %s: %s (%d)\n", argv[2], ck_rulename(r), r);
    return 1;
  }
  return 0;
}
