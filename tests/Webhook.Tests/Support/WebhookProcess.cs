using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeadlineGuard.Tests.Support;

/// <summary>
/// The program in a child process, as a container runs it: <c>dotnet Webhook.dll ARGS</c> (the build beside the tests
/// unless another program folder is given), optionally as another uid through <c>setpriv</c> and with only the
/// environment given. Its stdout (the JSON log) and stderr are collected apart.
/// </summary>
public sealed class WebhookProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly ConcurrentQueue<string> _all = new();
    private readonly TaskCompletionSource<string> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _waiters = [];

    private WebhookProcess(Process process) => _process = process;

    /// <summary>The muxer running this test host (so the same runtime runs the program).</summary>
    public static string DotnetHost { get; } =
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    public string Output => string.Join(Environment.NewLine, _all);

    public IReadOnlyList<string> StandardError => [.. _stderr];

    public IReadOnlyList<string> StandardOutput => [.. _stdout];

    public int Id => _process.Id;

    /// <summary>
    /// Starts the program. <paramref name="environment"/> entries with a null value are removed; with
    /// <paramref name="onlyThisEnvironment"/> the child gets nothing but those entries. <paramref name="runAs"/> runs it as
    /// that uid and gid with no supplementary groups (needs root). <paramref name="launcher"/> runs <c>dotnet</c> through a
    /// command that ends by exec'ing its arguments (one that puts the process into a cgroup first, say).
    /// </summary>
    public static WebhookProcess Start(
        IReadOnlyList<string> args,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? programFolder = null,
        (int Uid, int Gid)? runAs = null,
        bool onlyThisEnvironment = false,
        string? workingDirectory = null,
        IReadOnlyList<string>? launcher = null)
    {
        var folder = programFolder ?? AppContext.BaseDirectory;
        var start = new ProcessStartInfo(launcher is { Count: > 0 } ? launcher[0] : runAs is null ? DotnetHost : "setpriv")
        {
            WorkingDirectory = workingDirectory ?? folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (launcher is { Count: > 0 })
        {
            foreach (var arg in launcher.Skip(1).Append(DotnetHost))
            {
                start.ArgumentList.Add(arg);
            }
        }
        else if (runAs is var (uid, gid))
        {
            foreach (var arg in new[] { "--reuid", uid.ToString(CultureInfo.InvariantCulture), "--regid", gid.ToString(CultureInfo.InvariantCulture), "--clear-groups", "--", DotnetHost })
            {
                start.ArgumentList.Add(arg);
            }
        }

        start.ArgumentList.Add(Path.Combine(folder, "Webhook.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        if (onlyThisEnvironment)
        {
            start.Environment.Clear();
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        var webhook = new WebhookProcess(new Process { StartInfo = start });
        webhook._process.OutputDataReceived += (_, e) => webhook.OnLine(e.Data, webhook._stdout);
        webhook._process.ErrorDataReceived += (_, e) => webhook.OnLine(e.Data, webhook._stderr);
        webhook._process.Start();
        webhook._process.BeginOutputReadLine();
        webhook._process.BeginErrorReadLine();
        webhook._process.StandardInput.Close();
        return webhook;
    }

    /// <summary>Runs the program to its end; its exit code.</summary>
    public static async Task<(int Exit, WebhookProcess Process)> RunAsync(
        IReadOnlyList<string> args, IReadOnlyDictionary<string, string?>? environment, TimeSpan timeout, string? programFolder = null, (int Uid, int Gid)? runAs = null, bool onlyThisEnvironment = false)
    {
        var process = Start(args, environment, programFolder, runAs, onlyThisEnvironment);
        return (await process.ExitAsync(timeout), process);
    }

    /// <summary>The address from the host's "Now listening on" log event.</summary>
    public async Task<string> ListeningAsync(TimeSpan timeout)
    {
        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(_listening.Task, exited).WaitAsync(timeout);
        first.ShouldBe(_listening.Task, $"the program exited before it listened:{Environment.NewLine}{Output}");
        return await _listening.Task;
    }

    /// <summary>The first line of output (stdout or stderr) that matches, waiting for it.</summary>
    public Task<string> LineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            if (_all.FirstOrDefault(match) is { } already)
            {
                return Task.FromResult(already);
            }

            _waiters.Add((match, seen));
        }

        return seen.Task.WaitAsync(timeout);
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Waits for the end; the exit code.</summary>
    public async Task<int> ExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        _process.WaitForExit(); // drains the redirected streams
        return _process.ExitCode;
    }

    /// <summary>SIGTERM, as the kubelet sends; the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        return await ExitAsync(timeout);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private void OnLine(string? line, ConcurrentQueue<string> stream)
    {
        if (line is null)
        {
            return;
        }

        stream.Enqueue(line);
        lock (_waiters)
        {
            _all.Enqueue(line);
            foreach (var (match, seen) in _waiters.Where(w => w.Match(line)).ToList())
            {
                seen.TrySetResult(line);
            }
        }

        try
        {
            if (JsonNode.Parse(line) is JsonObject log
                && (log["@mt"] ?? log["@m"])?.GetValue<string>() is { } message && message.StartsWith("Now listening on:", StringComparison.Ordinal)
                && log["address"]?.GetValue<string>() is { } address)
            {
                _listening.TrySetResult(address);
            }
        }
        catch (JsonException)
        {
            // not a log event
        }
    }
}
