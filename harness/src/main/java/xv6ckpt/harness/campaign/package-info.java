/**
 * Fuzz campaigns, corpus replay and their reports: runs Jazzer's standalone driver per target,
 * stores findings ({@code corpus/findings}), replays corpus entries and findings in-process, and
 * writes bug reports and the campaign report. Knows the targets only through their {@link
 * xv6ckpt.harness.fuzz.FuzzTargets.Entry entries} (package {@code xv6ckpt.harness.fuzz}).
 */
package xv6ckpt.harness.campaign;
