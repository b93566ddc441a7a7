/**
 * The fuzz targets: each a {@link xv6ckpt.harness.fuzz.FuzzTarget} (bytes in, verdict out) whose
 * class owns its {@link xv6ckpt.harness.fuzz.FuzzTargets.Entry} (decoding and description of an
 * input, instrumentation globs, libFuzzer options), a Jazzer entry class ({@code *Fuzzer}) and, in
 * the test classes, a JUnit {@code @FuzzTest} that replays its corpus. {@link
 * xv6ckpt.harness.fuzz.FuzzTargets#ALL} lists them. Machines and disks come from {@code
 * xv6ckpt.harness.rig}; campaigns, replay and reports are {@code xv6ckpt.harness.campaign}.
 */
package xv6ckpt.harness.fuzz;
