namespace DeadlineGuard.Admission;

/// <summary>
/// A budget, in bytes, for the request bodies being read and decoded at once (<c>Admission:MaxDecodingBytes</c>). A body
/// reserves its declared length (or the largest body accepted, when no length is declared) before it is read; a body
/// that does not fit waits, first come first served, at most <c>Admission:DecodingWaitMilliseconds</c>, and is then
/// refused (the caller answers 429). The memory a review costs grows with its size, so the bytes in flight, not the
/// number of requests, are what must stay under the container's limit. A body larger than the whole budget is
/// admitted alone, when nothing else is in flight.
/// </summary>
public sealed class BodyBudget
{
    private readonly Lock _gate = new();
    private readonly LinkedList<Waiter> _waiters = new();
    private readonly TimeProvider _time;
    private long _inUse;

    public BodyBudget(long capacity, TimeSpan wait, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        Wait = wait;
        _time = time;
    }

    public long Capacity { get; }

    public TimeSpan Wait { get; }

    /// <summary>Bytes reserved now.</summary>
    public long InUse
    {
        get
        {
            lock (_gate)
            {
                return _inUse;
            }
        }
    }

    /// <summary>
    /// Reserves room for a body of <paramref name="bytes"/>. Returns the bytes reserved, to be given back with
    /// <see cref="Leave"/>, or 0 when no room was made within <see cref="Wait"/>. Throws when <paramref name="cancel"/>
    /// fires first (the client went away); nothing stays reserved then.
    /// </summary>
    public async ValueTask<long> EnterAsync(long bytes, CancellationToken cancel)
    {
        var wanted = Math.Clamp(bytes, 1, Capacity);
        Waiter waiter;
        lock (_gate)
        {
            if (_waiters.Count == 0 && _inUse + wanted <= Capacity)
            {
                _inUse += wanted;
                return wanted;
            }

            waiter = new Waiter(wanted);
            waiter.Node = _waiters.AddLast(waiter);
        }

        using var timeout = new CancellationTokenSource(Wait, _time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancel);
        try
        {
            await waiter.Granted.Task.WaitAsync(either.Token).ConfigureAwait(false);
            return wanted;
        }
        catch (OperationCanceledException)
        {
            bool granted;
            lock (_gate)
            {
                granted = waiter.Granted.Task.IsCompleted;
                if (!granted)
                {
                    _waiters.Remove(waiter.Node!);
                    GrantWaiting(); // the first in line gave up: those behind it may fit now
                }
            }

            if (granted && !cancel.IsCancellationRequested)
            {
                return wanted; // room was made just as the wait ended
            }

            if (granted)
            {
                Leave(wanted);
            }

            cancel.ThrowIfCancellationRequested();
            return 0;
        }
    }

    /// <summary>Gives back what <see cref="EnterAsync"/> reserved, and lets waiting bodies in.</summary>
    public void Leave(long reserved)
    {
        lock (_gate)
        {
            _inUse -= reserved;
            GrantWaiting();
        }
    }

    /// <summary>Under the gate: admits waiting bodies in order while the first one fits.</summary>
    private void GrantWaiting()
    {
        while (_waiters.First is { } first && _inUse + first.Value.Bytes <= Capacity)
        {
            _inUse += first.Value.Bytes;
            _waiters.RemoveFirst();
            first.Value.Granted.TrySetResult();
        }
    }

    private sealed class Waiter(long bytes)
    {
        public long Bytes { get; } = bytes;

        public TaskCompletionSource Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Waiter>? Node { get; set; }
    }
}
