// init: the first user process.
//
// Contract (as xv6's init): make the console fds 0, 1 and 2 (creating the
// device node "console", major CONSOLE, if the file system lacks it), then
// forever start a shell and wait. Orphans are re-parented to init by the
// kernel, so every wait() that returns something other than the shell's pid
// has just reaped an orphan zombie; when the shell itself exits, a new one
// is started.
#include "user.h"

static char *shargv[] = { "sh", 0 };

static void
open_console(void)
{
  if(open("console", O_RDWR) < 0){
    mknod("console", CONSOLE, 0);
    if(open("console", O_RDWR) < 0)
      exit(1);                 // nowhere to even print the failure
  }
  dup(0);                      // standard output
  dup(0);                      // standard error
}

// Starts a shell; returns its pid.
static int
start_shell(void)
{
  int pid;

  for(;;){
    printf("init: starting sh\n");
    pid = fork();
    if(pid == 0){
      exec("sh", shargv);
      fprintf(2, "init: exec sh failed\n");
      exit(1);
    }
    if(pid > 0)
      return pid;
    fprintf(2, "init: fork failed\n");
    sleep(10);
  }
}

int
main(void)
{
  int sh, pid;

  open_console();
  for(;;){
    sh = start_shell();
    do {
      pid = wait(0);
      if(pid < 0){
        // No children at all: the kernel lost the shell. Say so and start
        // another rather than spin.
        fprintf(2, "init: wait returned an error\n");
        break;
      }
    } while(pid != sh);
  }
}
