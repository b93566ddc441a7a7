/**
 * Guest code coverage: edges between control-transfer targets inside an address range (a kernel's
 * text), counted in a fixed-size map of 8-bit counters as AFL and libFuzzer count theirs. The harts
 * record into it ({@link xv6ckpt.emulator.Hart#setCoverage}); fuzzers and reports read it. It knows
 * nothing of xv6.
 */
package xv6ckpt.emulator.cov;
