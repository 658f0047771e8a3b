using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace DeadlineGuard.Json;

/// <summary>
/// Reads a file a user gave the program (a policy, a manifest) as text, refusing what cannot be one: only
/// a regular file is read (symbolic links are followed to it; a directory, a FIFO, a socket or a device such
/// as /dev/zero is refused with what it is), its size is checked before it is read and again while reading,
/// and its bytes must be valid UTF-8 (or UTF-16 with a byte-order mark, as go-yaml also reads).
/// Refusals throw <see cref="InvalidDataException"/> with a reason; the operating system's own failures
/// (no such file, permission denied) stay <see cref="IOException"/> and <see cref="UnauthorizedAccessException"/>.
/// </summary>
public static partial class InputFile
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads the file at <paramref name="path"/>, at most <paramref name="maxBytes"/> bytes.</summary>
    public static string ReadText(string path, long maxBytes)
    {
        using var stream = OpenRegularFile(path);
        if (stream.Length > maxBytes)
        {
            throw TooLarge(stream.Length, maxBytes);
        }

        return Decode(ReadAtMost(stream, maxBytes));
    }

    /// <summary>Reads text already decoded (stdin), at most <paramref name="maxBytes"/> characters.</summary>
    public static string ReadText(TextReader reader, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var text = new StringBuilder();
        var buffer = new char[64 * 1024];
        int read;
        while ((read = reader.Read(buffer, 0, buffer.Length)) > 0)
        {
            if (text.Length + read > maxBytes)
            {
                throw new InvalidDataException($"is larger than {maxBytes} bytes, the limit");
            }

            text.Append(buffer, 0, read);
        }

        return text.ToString();
    }

    /// <summary>Bytes as text: a UTF-8 or UTF-16 byte-order mark decides, else UTF-8; any invalid sequence is refused with its offset.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        Encoding encoding = StrictUtf8;
        var skip = 0;
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            skip = 3;
        }
        else if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            (encoding, skip) = (new UnicodeEncoding(bigEndian: false, byteOrderMark: false, throwOnInvalidBytes: true), 2);
        }
        else if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            (encoding, skip) = (new UnicodeEncoding(bigEndian: true, byteOrderMark: false, throwOnInvalidBytes: true), 2);
        }

        try
        {
            return encoding.GetString(bytes[skip..]);
        }
        catch (DecoderFallbackException e)
        {
            var offset = skip + Math.Max(e.Index, 0);
            var kind = encoding is UTF8Encoding ? "UTF-8" : "UTF-16";
            throw new InvalidDataException($"is not valid {kind} text (invalid bytes at offset {offset})");
        }
    }

    private static InvalidDataException TooLarge(long size, long maxBytes) =>
        new($"is {size} bytes, larger than the limit of {maxBytes} bytes");

    private static byte[] ReadAtMost(FileStream stream, long maxBytes)
    {
        // The size can change after it was checked (a growing file, a file system that reports 0): read one byte past the limit to know.
        using var content = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            if (content.Length + read > maxBytes)
            {
                throw TooLarge(content.Length + read, maxBytes);
            }

            content.Write(buffer, 0, read);
        }

        return content.ToArray();
    }

    /// <summary>
    /// Opens the file for reading only when it is a regular file. On Linux the file is opened without
    /// blocking (a FIFO with no writer would block open(2) for ever) and its type is read from the open
    /// descriptor, so a file swapped between a check and the open cannot slip through.
    /// </summary>
    private static FileStream OpenRegularFile(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                return OpenRegularFileOnLinux(path);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                // A C library without statx (glibc before 2.28, old musl): fall back to what .NET can tell.
            }
        }

        // Elsewhere only directories are told apart; the program runs on Linux.
        if (Directory.Exists(path))
        {
            throw new InvalidDataException("is a directory, not a regular file");
        }

        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
    }

    private static FileStream OpenRegularFileOnLinux(string path)
    {
        var fd = NativeMethods.Open(path, NativeMethods.ReadOnlyNonBlockingCloseOnExec);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            var reason = Marshal.GetPInvokeErrorMessage(errno);
            throw errno switch
            {
                NativeMethods.NoSuchFile => new FileNotFoundException($"no such file ({reason})", path),
                NativeMethods.PermissionDenied => new UnauthorizedAccessException($"permission denied ({reason})"),
                NativeMethods.NoSuchDeviceOrAddress => new InvalidDataException("is a socket or a device without a reader, not a regular file"),
                _ => new IOException(reason),
            };
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            var kind = FileKind(handle);
            if (kind is not null)
            {
                throw new InvalidDataException($"is {kind}, not a regular file");
            }

            return new FileStream(handle, FileAccess.Read, bufferSize: 0);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>What the open file is when it is not a regular file; null for a regular file.</summary>
    private static string? FileKind(SafeFileHandle handle)
    {
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (NativeMethods.Statx((int)handle.DangerousGetHandle(), string.Empty, NativeMethods.EmptyPath, NativeMethods.StatxType, out var status) != 0)
            {
                throw new IOException(Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError()));
            }

            return (status.Mode & NativeMethods.TypeMask) switch
            {
                NativeMethods.Regular => null,
                NativeMethods.DirectoryType => "a directory",
                NativeMethods.Fifo => "a FIFO (named pipe)",
                NativeMethods.CharacterDevice => "a character device",
                NativeMethods.BlockDevice => "a block device",
                NativeMethods.Socket => "a socket",
                _ => "not a file",
            };
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>open(2) and statx(2) from the C library. statx's buffer has the same layout on every architecture.</summary>
    private static class NativeMethods
    {
        // <fcntl.h> on x86-64 and arm64: O_RDONLY 0, O_NONBLOCK 04000, O_CLOEXEC 02000000.
        public const int ReadOnlyNonBlockingCloseOnExec = 0x800 | 0x80000;
        public const int EmptyPath = 0x1000; // AT_EMPTY_PATH: the descriptor itself
        public const uint StatxType = 0x1; // STATX_TYPE
        public const int NoSuchFile = 2; // ENOENT
        public const int PermissionDenied = 13; // EACCES
        public const int NoSuchDeviceOrAddress = 6; // ENXIO
        public const int TypeMask = 0xF000; // S_IFMT
        public const int Regular = 0x8000;
        public const int DirectoryType = 0x4000;
        public const int Fifo = 0x1000;
        public const int CharacterDevice = 0x2000;
        public const int BlockDevice = 0x6000;
        public const int Socket = 0xC000;

        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        public static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
        public static extern int Statx(int directory, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, out StatxBuffer buffer);
    }

    /// <summary>struct statx (linux/stat.h) up to stx_mode; 256 bytes in all.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 256)]
    private struct StatxBuffer
    {
        public uint Mask;
        public uint BlockSize;
        public ulong Attributes;
        public uint Links;
        public uint User;
        public uint Group;
        public ushort Mode;
    }
}
