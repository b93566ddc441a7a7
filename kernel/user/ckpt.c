// ckpt: checkpoint(PID, FILE): writes process PID (0: ckpt itself, which
// is not useful from a shell) to FILE. Prints the rule on failure (the
// kernel prints its own line too) and exits 1; 2 on bad usage. For
// CKPT_NOSPACE it also says what the code can mean: no free blocks, or an
// image above the file-size limit that mkfs --big-files lifts.
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
    if(r == CKPT_NOSPACE){
      // The code has two causes; the kernel's console line names which.
      fprintf(2, "ckpt: either the disk is out of free blocks or inodes, or the image\n"
                 "ckpt: is larger than the largest file (268 KiB on a stock disk;\n"
                 "ckpt: a disk made with mkfs --big-files holds up to 64.3 MiB)\n");
    }
    return 1;
  }
  return 0;
}
