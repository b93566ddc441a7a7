# plants.sh: the planted bugs of test.sh and judge.sh, in one place (sourced).
# Each is a sed expression on the kit's kernel/checkpoint.c (see test.sh --help).
PLANTS="crc zombie restartpc allornothing"
# Plants only judge.sh is expected to find (its crash sweep, its isolation replay), not
# test.sh's boots.
JUDGE_PLANTS="dropold regwrite ckleak"

plant_expr() { # plant_expr NAME: prints the sed expression, or fails
  case "$1" in
    crc) printf '%s\n' 's/0x82F63B78/0x82F63B79/' ;;
    zombie) printf '%s\n' 's/return CKPT_ZOMBIE;/return CKPT_BUSY;/' ;;
    restartpc) printf '%s\n' 's/pc -= 4;  /pc -= 0;  /' ;;
    allornothing) printf '%s\n' 's/^  code = ck_validate(r, ip);/  for(int fd = 3; fd < NOFILE; fd++) if(myproc()->ofile[fd]){ struct file *pf = myproc()->ofile[fd]; myproc()->ofile[fd] = 0; fileclose(pf); }\n&/' ;;
    # checkpoint releases the old image's name before the new image is written: a power cut
    # in between leaves no image where one was
    dropold) printf '%s\n' 's/^    ck_put(j->front, 16, ck_nextid(dp->dev), 8);/    ck_release(dp, name);\n&/' ;;
    # checkpoint of another process blocked in read scribbles into its live trapframe (t1):
    # the image is right, the process it came from is not (isolation: the victim's own check)
    regwrite) printf '%s\n' 's/^    progress = s->actnum == SYS_read ? s->actprog : 0;/&\n    tf->t1 = progress;/' ;;
    # checkpoint of another pid keeps its staging page (isolation: free pages after the exits)
    ckleak) printf '%s\n' 's/^  kfree(front);$/  if(pid == 0 || pid == myproc()->pid)\n    kfree(front);/' ;;
    *) return 1 ;;
  esac
}
