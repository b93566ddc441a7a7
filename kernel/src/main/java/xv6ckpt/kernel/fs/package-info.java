/**
 * The xv6 file system, layer by layer as xv6-riscv has it, each class named after its file.
 *
 * <pre>
 *   FileSystem   sysfile.c / filewrite: whole operations, each in its own transaction(s)
 *   Fs           fs.c: blocks, inodes, inode content, directories, path names
 *   Log          log.c: transactions, group commit, recovery
 *   Bio          bio.c: the buffer cache
 *   BlockDevice  (emulator) the disk
 * </pre>
 *
 * <p>Calls go downward only, and checkably so: only {@link xv6ckpt.kernel.fs.Bio} touches the
 * {@link xv6ckpt.emulator.disk.BlockDevice}; {@code bwrite} is called only by Bio and
 * {@link xv6ckpt.kernel.fs.Log}; {@link xv6ckpt.kernel.fs.Fs} changes blocks only through
 * {@code Log.logWrite} and never begins a transaction; transactions begin in
 * {@link xv6ckpt.kernel.fs.FileSystem} (and later in the system calls, Exec and Checkpoint).
 *
 * <p>Beside the layers: the on-disk format ({@link xv6ckpt.kernel.fs.FsFormat},
 * {@link xv6ckpt.kernel.fs.Superblock}, {@link xv6ckpt.kernel.fs.Dinode},
 * {@link xv6ckpt.kernel.fs.Dirent}), and the offline tools {@link xv6ckpt.kernel.fs.Mkfs}, which
 * writes raw blocks as xv6's mkfs does, and {@link xv6ckpt.kernel.fs.Fsck}, which reads raw
 * blocks and shares nothing with Fs but the format's decoders.
 *
 * <p>Failures: an expected refusal is a value (an empty Optional, a short count, -1) or, for the
 * whole operations of FileSystem, an {@link xv6ckpt.kernel.fs.FsException}; a broken invariant or
 * a corrupted disk is a {@link xv6ckpt.kernel.KernelPanic} naming the rule, never another
 * exception.
 */
package xv6ckpt.kernel.fs;
