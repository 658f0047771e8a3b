namespace DeadlineGuard.Tests.RolloutStatus;

/// <summary>A kubectl-style table read back by its header: each column starts where its title starts; the last runs to the end of the line.</summary>
public sealed class StatusTable
{
    private StatusTable(IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyDictionary<string, string>> rows)
    {
        Columns = columns;
        Rows = rows;
    }

    public IReadOnlyList<string> Columns { get; }

    public IReadOnlyList<IReadOnlyDictionary<string, string>> Rows { get; }

    public static StatusTable Parse(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
        var header = lines[0];
        var starts = new List<int>();
        var columns = new List<string>();
        for (var i = 0; i < header.Length; i++)
        {
            if (header[i] != ' ' && (i == 0 || header[i - 1] == ' '))
            {
                starts.Add(i);
                columns.Add(header[i..].Split(' ')[0]);
            }
        }

        var rows = lines.Skip(1).Select(line => (IReadOnlyDictionary<string, string>)columns.Select((c, i) =>
        {
            var from = Math.Min(starts[i], line.Length);
            var to = i + 1 < starts.Count ? Math.Min(starts[i + 1], line.Length) : line.Length;
            return (c, line[from..to].Trim());
        }).ToDictionary(p => p.c, p => p.Item2)).ToList();
        return new StatusTable(columns, rows);
    }

    /// <summary>The row of a Rollout (by NAMESPACE when the table has it).</summary>
    public IReadOnlyDictionary<string, string> Row(string ns, string name) =>
        Rows.Single(r => r["NAME"] == name && (!r.ContainsKey("NAMESPACE") || r["NAMESPACE"] == ns));
}
