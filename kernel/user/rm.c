// rm: unlinks each named file (or empty directory); exits 1 at the first
// failure.
#include "user.h"

int
main(int argc, char **argv)
{
  int i;

  if(argc < 2){
    fprintf(2, "usage: rm files...\n");
    return 1;
  }
  for(i = 1; i < argc; i++){
    if(unlink(argv[i]) < 0){
      fprintf(2, "rm: %s failed to delete\n", argv[i]);
      return 1;
    }
  }
  return 0;
}
