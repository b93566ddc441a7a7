// counter: the self-checkpointing demo. counter N FILE [STEPS] counts from
// 1 to STEPS (default 50), printing "i sum" with sum = 1^2 + ... + i^2, and
// checkpoints itself to FILE after every N-th step. A process restored from
// FILE (restore FILE, on this machine or after a reboot) sees its
// checkpoint call return 1, says so, and counts on from that step; its
// final lines are those the uninterrupted run prints. Exit 0; 1 if a
// checkpoint fails; 2 on bad usage.
#include "user.h"
#include "ckptfmt.h"

int
main(int argc, char **argv)
{
  int n, steps, i, r;
  uint64 sum = 0;

  if(argc < 3 || argc > 4 || (n = atoi(argv[1])) < 1){
    fprintf(2, "usage: counter N FILE [STEPS]\n");
    return 2;
  }
  steps = argc == 4 ? atoi(argv[3]) : 50;
  for(i = 1; i <= steps; i++){
    sum += (uint64)i * i;
    printf("%d %ld\n", i, sum);
    if(i % n != 0)
      continue;
    r = checkpoint(0, argv[2]);
    if(r == 1){
      printf("counter: restored at step %d\n", i);
    } else if(r < 0){
      fprintf(2, "counter: checkpoint %s: %s (%d)\n", argv[2], ck_rulename(r), r);
      return 1;
    }
  }
  return 0;
}
