// kill: marks each listed process id as killed; it dies at its next trap.
// Exits 1 if any pid names no process.
#include "user.h"

int
main(int argc, char **argv)
{
  int i, status = 0;

  if(argc < 2){
    fprintf(2, "usage: kill pid...\n");
    return 1;
  }
  for(i = 1; i < argc; i++){
    if(kill(atoi(argv[i])) < 0){
      fprintf(2, "kill: no process %s\n", argv[i]);
      status = 1;
    }
  }
  return status;
}
