using DeadlineGuard.Tests.Support.FakeKube;
using Microsoft.Extensions.Time.Testing;

namespace DeadlineGuard.Tests.Support;

/// <summary>One arming of a timer through <see cref="ObservedClock"/>: when, for how long, and so when it falls due.</summary>
public sealed record ArmedTimer(int Sequence, DateTimeOffset At, TimeSpan DueTime)
{
    public DateTimeOffset DueAt => At + DueTime;

    public override string ToString() => $"#{Sequence} at {At:HH:mm:ss.fff} for {DueTime.TotalSeconds:0.###} s (due {DueAt:HH:mm:ss.fff})";
}

/// <summary>
/// A <see cref="FakeTimeProvider"/> that records every timer the code under test arms (<c>Task.Delay</c>,
/// <c>CreateTimer</c>, <c>ITimer.Change</c>), so that a test can wait until that code is parked on a timer due at a
/// known moment before it moves the clock: no sleeps, no polling, and no advance that lands while the code is
/// between reading the clock and arming its timer. Advancing and arming are serialised, so every recorded due time
/// is exact.
/// </summary>
public sealed class ObservedClock(DateTimeOffset start) : TimeProvider
{
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(15);

    private readonly FakeTimeProvider fake = new(start);
    private readonly Lock gate = new();
    private readonly Signal<ArmedTimer> armed = new();

    public DateTimeOffset Now => fake.GetUtcNow();

    /// <summary>Every arming so far, in order.</summary>
    public IReadOnlyList<ArmedTimer> Armed => armed.Snapshot();

    /// <summary>How many armings so far: a mark for <see cref="WaitForTimerAsync"/> to look only at later ones.</summary>
    public int ArmedCount => armed.Count;

    public override DateTimeOffset GetUtcNow() => fake.GetUtcNow();

    public override long GetTimestamp() => fake.GetTimestamp();

    public override long TimestampFrequency => fake.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => fake.LocalTimeZone;

    /// <summary>Moves the clock forward, firing the timers that fall due on the way (on this thread).</summary>
    public void Advance(TimeSpan by)
    {
        lock (gate)
        {
            fake.Advance(by);
        }
    }

    /// <summary>Moves the clock forward to <paramref name="at"/> (never back).</summary>
    public void AdvanceTo(DateTimeOffset at)
    {
        lock (gate)
        {
            if (at < fake.GetUtcNow())
            {
                throw new InvalidOperationException($"the clock is at {fake.GetUtcNow():O}, past {at:O}");
            }

            fake.SetUtcNow(at);
        }
    }

    /// <summary>Completes with the first arming, past or still to come, that matches.</summary>
    public Task<ArmedTimer> WaitForTimerAsync(Func<ArmedTimer, bool> match, TimeSpan? timeout = null) =>
        armed.WaitAsync(match, timeout ?? DefaultWait, "matching timer");

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        lock (gate)
        {
            var timer = new ObservedTimer(this, fake.CreateTimer(callback, state, dueTime, period));
            Record(dueTime);
            return timer;
        }
    }

    private void Record(TimeSpan dueTime)
    {
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            var at = fake.GetUtcNow();
            armed.Add(n => new ArmedTimer(n, at, dueTime));
        }
    }

    private sealed class ObservedTimer(ObservedClock clock, ITimer inner) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock.gate)
            {
                var changed = inner.Change(dueTime, period);
                clock.Record(dueTime);
                return changed;
            }
        }

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
