using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace DeadlineGuard.Tests.Http;

/// <summary>
/// DESIGN §6 "TLS 1.2 and 1.3 only", proven from the server side. OpenSSL 3 refuses TLS 1.0/1.1 at its
/// default security level whatever the program asks, so a refusal by an ordinary server proves nothing
/// about the program. Here the webhook runs as its own process under an OpenSSL configuration that
/// permits TLS 1.0 and SHA-1 (security level 0), and a ClientHello written by hand (so the client's
/// OpenSSL plays no part) must still be refused, while the same hello offering TLS 1.2 is accepted.
/// </summary>
public sealed class OldTlsRefusalTests(PermissiveOpenSslWebhook server) : IClassFixture<PermissiveOpenSslWebhook>
{
    private const byte Handshake = 22;
    private const byte Alert = 21;
    private const byte ServerHello = 2;
    private const byte ProtocolVersionAlert = 70;

    [Fact]
    public async Task A_hand_written_tls_1_2_client_hello_gets_a_server_hello_for_tls_1_2()
    {
        var (header, body) = await SendHelloAsync(0x0303);

        header[0].ShouldBe(Handshake);
        body[0].ShouldBe(ServerHello);
        BinaryPrimitives.ReadUInt16BigEndian(body.AsSpan(4)).ShouldBe((ushort)0x0303);
    }

    [Theory]
    [InlineData("TLS 1.1", 0x0302)]
    [InlineData("TLS 1.0", 0x0301)]
    public async Task A_client_hello_offering_at_most_an_old_version_is_refused_with_a_protocol_version_alert(string name, ushort version)
    {
        var (header, body) = await SendHelloAsync(version);

        header[0].ShouldBe(Alert, $"{name}: the server answered record type {header[0]}, not an alert");
        body.ShouldBe(new byte[] { 2, ProtocolVersionAlert }, $"{name}: expected a fatal protocol_version alert");
    }

    /// <summary>Sends one ClientHello and reads the first record of the answer (header and body).</summary>
    private async Task<(byte[] Header, byte[] Body)> SendHelloAsync(ushort version)
    {
        using var tcp = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await tcp.ConnectAsync(IPAddress.Loopback, server.Port, timeout.Token);
        var stream = tcp.GetStream();
        await stream.WriteAsync(ClientHello(version), timeout.Token);

        var header = new byte[5];
        await stream.ReadExactlyAsync(header, timeout.Token);
        var body = new byte[BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(3))];
        await stream.ReadExactlyAsync(body, timeout.Token);
        return (header, body);
    }

    /// <summary>
    /// A minimal RFC 5246 ClientHello whose highest version is <paramref name="version"/> (no
    /// supported_versions extension), with ECDHE suites for the server's P-256 key.
    /// </summary>
    private static byte[] ClientHello(ushort version)
    {
        var hello = new List<byte>();
        Add16(hello, version);
        hello.AddRange(RandomNumberGenerator.GetBytes(32));
        hello.Add(0); // no session id
        ushort[] suites = [0xc02b, 0xc02c, 0xc009, 0xc00a, 0xc02f, 0xc013, 0x002f, 0x0035];
        Add16(hello, suites.Length * 2);
        foreach (var suite in suites)
        {
            Add16(hello, suite);
        }

        hello.AddRange([1, 0]); // compression: null only

        var extensions = new List<byte>();
        var host = Encoding.ASCII.GetBytes("localhost");
        Extension(extensions, 0x0000, [.. Be16(host.Length + 3), 0, .. Be16(host.Length), .. host]); // server_name
        Extension(extensions, 0x000a, [.. Be16(4), 0x00, 0x17, 0x00, 0x1d]); // supported_groups: P-256, X25519
        Extension(extensions, 0x000b, [1, 0]); // ec_point_formats: uncompressed
        byte[] signatures = [0x04, 0x03, 0x05, 0x03, 0x08, 0x04, 0x04, 0x01, 0x02, 0x03, 0x02, 0x01];
        Extension(extensions, 0x000d, [.. Be16(signatures.Length), .. signatures]); // signature_algorithms
        Add16(hello, extensions.Count);
        hello.AddRange(extensions);

        byte[] handshake = [1, (byte)(hello.Count >> 16), (byte)(hello.Count >> 8), (byte)hello.Count, .. hello];
        return [Handshake, 0x03, 0x01, .. Be16(handshake.Length), .. handshake];
    }

    private static void Extension(List<byte> extensions, int type, byte[] data)
    {
        Add16(extensions, type);
        Add16(extensions, data.Length);
        extensions.AddRange(data);
    }

    private static void Add16(List<byte> bytes, int value) => bytes.AddRange(Be16(value));

    private static byte[] Be16(int value) => [(byte)(value >> 8), (byte)value];
}

/// <summary>
/// The webhook as a child process (dotnet Webhook.dll serve) on a free loopback port, under an OpenSSL
/// configuration that would allow TLS 1.0 and 1.1 if the program did not forbid them.
/// </summary>
public sealed class PermissiveOpenSslWebhook : IAsyncLifetime
{
    private const string OpenSslConfig = """
        openssl_conf = openssl_init

        [openssl_init]
        ssl_conf = ssl_sect

        [ssl_sect]
        system_default = system_default_sect

        [system_default_sect]
        MinProtocol = TLSv1
        CipherString = DEFAULT@SECLEVEL=0
        """;

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "deadline-guard-tests", Guid.NewGuid().ToString("N"));
    private Process? _process;
    private readonly StringBuilder _output = new();

    public int Port { get; private set; }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        var config = Path.Combine(_folder, "openssl.cnf");
        await File.WriteAllTextAsync(config, OpenSslConfig);
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "Webhook.dll"), "serve", "--urls", "https://127.0.0.1:0" })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["OPENSSL_CONF"] = config;
        start.Environment.Remove("ASPNETCORE_URLS");
        _process = Process.Start(start)!;
        _process.ErrorDataReceived += (_, e) => { lock (_output) { _output.AppendLine(e.Data); } };
        _process.BeginErrorReadLine();
        Port = await ReadListeningPortAsync(_process.StandardOutput);
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>Reads the Serilog JSON lines until Kestrel reports its address ("Now listening on").</summary>
    private async Task<int> ReadListeningPortAsync(StreamReader stdout)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await stdout.ReadLineAsync(timeout.Token) is { } line)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }

            if (line.StartsWith('{') && JsonNode.Parse(line)?["address"]?.GetValue<string>() is { } address)
            {
                _ = DrainAsync(stdout);
                return new Uri(address).Port;
            }
        }

        throw new InvalidOperationException("the webhook process ended without listening:\n" + _output);
    }

    /// <summary>Keeps reading stdout so the child never blocks on a full pipe.</summary>
    private static async Task DrainAsync(StreamReader stdout)
    {
        while (await stdout.ReadLineAsync() is not null)
        {
        }
    }
}
