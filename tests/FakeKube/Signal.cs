namespace DeadlineGuard.Tests.Support.FakeKube;

/// <summary>
/// A thread-safe log that tests can wait on: <see cref="WaitAsync"/> completes when a matching item is (or was) added.
/// No polling and no sleeps: every waiter is a TaskCompletionSource completed by <see cref="Add"/>.
/// </summary>
internal sealed class Signal<T>
    where T : class
{
    private readonly Lock gate = new();
    private readonly List<T> items = [];
    private readonly List<(Func<T, bool> Match, TaskCompletionSource<T> Done)> waiters = [];

    public IReadOnlyList<T> Snapshot()
    {
        lock (gate)
        {
            return [.. items];
        }
    }

    public int Count
    {
        get
        {
            lock (gate)
            {
                return items.Count;
            }
        }
    }

    /// <summary>Adds the item made from its 1-based position, under the lock, and completes the waiters it matches.</summary>
    public T Add(Func<int, T> create)
    {
        List<TaskCompletionSource<T>> done = [];
        T item;
        lock (gate)
        {
            item = create(items.Count + 1);
            items.Add(item);
            for (var i = waiters.Count - 1; i >= 0; i--)
            {
                if (waiters[i].Match(item))
                {
                    done.Add(waiters[i].Done);
                    waiters.RemoveAt(i);
                }
            }
        }

        foreach (var tcs in done)
        {
            tcs.TrySetResult(item);
        }

        return item;
    }

    public async Task<T> WaitAsync(Func<T, bool> match, TimeSpan timeout, string what)
    {
        var tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (gate)
        {
            var earlier = items.Find(item => match(item));
            if (earlier is not null)
            {
                return earlier;
            }

            waiters.Add((match, tcs));
        }

        try
        {
            return await tcs.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            lock (gate)
            {
                waiters.RemoveAll(w => w.Done == tcs);
            }

            throw new TimeoutException($"no {what} within {timeout.TotalSeconds:0.###} s; seen: {string.Join(", ", Snapshot())}");
        }
    }
}
