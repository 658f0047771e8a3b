using k8s;

namespace DeadlineGuard.Cli;

/// <summary>What a command runs with: its standard streams, the name it was called by, and the seams tests replace.</summary>
public sealed record CommandContext(TextReader In, TextWriter Out, TextWriter Error, string ProgramName)
{
    /// <summary>When set, the Kubernetes client commands use instead of one made from the kubeconfig (tests).</summary>
    public Func<IKubernetes>? Kubernetes { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>"webhook history": the program name and the command path, as usage lines and messages name it.</summary>
    public string Named(string command) => command.Length == 0 ? ProgramName : $"{ProgramName} {command}";
}
