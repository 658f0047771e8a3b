using System.Globalization;

namespace DeadlineGuard.Bench.FakeApi;

/// <param name="Rollouts">How many Rollouts to serve.</param>
/// <param name="Port">Loopback port to listen on.</param>
/// <param name="Seed">The generator's seed: the same seed gives the same Rollouts.</param>
/// <param name="BookmarkSeconds">A BOOKMARK on every open watch this often.</param>
/// <param name="GraceSeconds">The reconciler's grace, for the due times it reports.</param>
/// <param name="TimerDueSeconds">When not 0: one Rollout of the list falls due this long after the fake listens (the reconciler must act on its own timer).</param>
/// <param name="ExtraEnv">Extra environment variables in each pod template (about 70 bytes each, twice: the spec and kubectl's last-applied copy), for larger Rollouts.</param>
internal sealed record FakeOptions(int Rollouts, int Port, int Seed, int BookmarkSeconds, int GraceSeconds, int TimerDueSeconds, int ExtraEnv)
{
    public static FakeOptions Parse(string[] args)
    {
        var o = new FakeOptions(Rollouts: 10_000, Port: 18080, Seed: 42, BookmarkSeconds: 60, GraceSeconds: 30, TimerDueSeconds: 0, ExtraEnv: 0);
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            var number = int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
            o = args[i] switch
            {
                "--rollouts" => o with { Rollouts = number },
                "--port" => o with { Port = number },
                "--seed" => o with { Seed = number },
                "--bookmark-seconds" => o with { BookmarkSeconds = Math.Max(1, number) },
                "--grace-seconds" => o with { GraceSeconds = number },
                "--timer-due-seconds" => o with { TimerDueSeconds = number },
                "--extra-env" => o with { ExtraEnv = number },
                _ => throw new ArgumentException($"unknown option {args[i]} (--rollouts N --port P --seed S --bookmark-seconds S --grace-seconds S --timer-due-seconds S --extra-env N)"),
            };
            i++;
        }

        return o;
    }
}
