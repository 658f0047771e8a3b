using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace DeadlineGuard.Tests.Policy;

/// <summary>
/// The built program (Webhook.dll beside the tests) in a child process, for attacks that would take the test
/// run down with them if they succeeded in-process (a stack overflow cannot be caught; a runaway allocation
/// takes the machine). The child's managed heap is capped at the chart's 256 MiB memory limit, so an input
/// that made it grow past that fails the test instead of passing slowly.
/// </summary>
public sealed class ChildProgram : IDisposable
{
    public const long HeapLimitBytes = 256L << 20;

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _waiters = [];

    private ChildProgram(Process process) => _process = process;

    public IReadOnlyList<string> Stdout => [.. _stdout];

    public IReadOnlyList<string> Stderr => [.. _stderr];

    public bool HasExited => _process.HasExited;

    public static ChildProgram Start(params string[] args)
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH")
            ?? (Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet");
        var start = new ProcessStartInfo(host)
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Webhook.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("ASPNETCORE_URLS");
        start.Environment["DOTNET_GCHeapHardLimit"] = "0x" + HeapLimitBytes.ToString("X", CultureInfo.InvariantCulture);
        var child = new ChildProgram(new Process { StartInfo = start });
        child._process.OutputDataReceived += (_, e) => child.OnLine(child._stdout, e.Data);
        child._process.ErrorDataReceived += (_, e) => child.OnLine(child._stderr, e.Data);
        child._process.Start();
        child._process.StandardInput.Close();
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Runs the program to its end within <paramref name="timeout"/> (killed and failed past it).</summary>
    public static async Task<(int Exit, IReadOnlyList<string> Stdout, IReadOnlyList<string> Stderr, TimeSpan Took)> RunAsync(TimeSpan timeout, params string[] args)
    {
        var clock = Stopwatch.StartNew();
        using var child = Start(args);
        var exit = await child.WaitForExitAsync(timeout);
        return (exit, child.Stdout, child.Stderr, clock.Elapsed);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the program did not end within {timeout}:{Environment.NewLine}{string.Join(Environment.NewLine, Stderr.Concat(Stdout))}");
        }

        _process.WaitForExit(); // the redirected streams are drained
        return _process.ExitCode;
    }

    /// <summary>The first stdout line that matches, waiting for it; fails if the program exits first.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            if (_stdout.FirstOrDefault(match) is { } already)
            {
                return already;
            }

            _waiters.Add((match, seen));
        }

        var exited = _process.WaitForExitAsync();
        Task first;
        try
        {
            first = await Task.WhenAny(seen.Task, exited).WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"no matching line within {timeout}; the last lines:{Environment.NewLine}{string.Join(Environment.NewLine, Stderr.Concat(Stdout.TakeLast(10)))}");
        }

        if (first != seen.Task)
        {
            throw new InvalidOperationException($"the program exited with {_process.ExitCode} first:{Environment.NewLine}{string.Join(Environment.NewLine, Stderr.Concat(Stdout.TakeLast(20)))}");
        }

        return await seen.Task;
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

    private void OnLine(ConcurrentQueue<string> lines, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_waiters)
        {
            lines.Enqueue(line);
            if (ReferenceEquals(lines, _stdout))
            {
                foreach (var waiter in _waiters.Where(w => w.Match(line)).ToList())
                {
                    waiter.Seen.TrySetResult(line);
                    _waiters.Remove(waiter);
                }
            }
        }
    }
}
