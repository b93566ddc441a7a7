// longcomp: the long computation to checkpoint from outside. longcomp [N]
// prints its pid, then counts the primes below N (default 300000) by trial
// division by the primes found so far (those up to sqrt(N) are kept in a
// heap array), prints "longcomp: k/10" as each tenth of the range is done and finally
// "longcomp: P primes below N". Checkpointed by another process (ckpt PID
// FILE) at any moment and restored (restore FILE), it goes on from where it
// was and prints the same lines as an uninterrupted run. Exit 0; 1 if out of
// memory; 2 on bad usage.
#include "user.h"

int
main(int argc, char **argv)
{
  int n = argc > 1 ? atoi(argv[1]) : 300000;
  int *primes, kept = 0, count = 0, root = 1, i, j, tenth;

  if(argc > 2 || n < 10){
    fprintf(2, "usage: longcomp [N at least 10]\n");
    return 2;
  }
  while((root + 1) * (root + 1) <= n)
    root++;
  if((primes = malloc(sizeof(int) * (root / 2 + 2))) == 0){
    fprintf(2, "longcomp: out of memory\n");
    return 1;
  }
  printf("longcomp: pid %d\n", getpid());
  tenth = n / 10;
  for(i = 2; i < n; i++){
    for(j = 0; j < kept && primes[j] * primes[j] <= i; j++)
      if(i % primes[j] == 0)
        break;
    if(j == kept || primes[j] * primes[j] > i){
      count++;
      if(i <= root)
        primes[kept++] = i;
    }
    if(i % tenth == 0)
      printf("longcomp: %d/10\n", i / tenth);
  }
  printf("longcomp: %d primes below %d\n", count, n);
  return 0;
}
