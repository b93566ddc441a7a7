// mkdir: creates each named directory; exits 1 at the first failure.
#include "user.h"

int
main(int argc, char **argv)
{
  int i;

  if(argc < 2){
    fprintf(2, "usage: mkdir dir...\n");
    return 1;
  }
  for(i = 1; i < argc; i++){
    if(mkdir(argv[i]) < 0){
      fprintf(2, "mkdir: %s failed to create\n", argv[i]);
      return 1;
    }
  }
  return 0;
}
