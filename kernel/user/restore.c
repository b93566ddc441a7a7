// restore: restore(FILE): this process becomes the one in the image and
// never comes back here. On failure prints the rule (the kernel prints its
// own line too) and exits 1; 2 on bad usage.
#include "user.h"
#include "ckptfmt.h"

int
main(int argc, char **argv)
{
  int r;

  if(argc != 2){
    fprintf(2, "usage: restore FILE\n");
    return 2;
  }
  r = restore(argv[1]);
  fprintf(2, "restore: %s: %s (%d)\n", argv[1], ck_rulename(r), r);
  return 1;
}
