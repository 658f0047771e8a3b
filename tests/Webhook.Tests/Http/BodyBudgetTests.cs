using DeadlineGuard.Admission;
using DeadlineGuard.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace DeadlineGuard.Tests.Http;

/// <summary>The budget for bodies read and decoded at once: first come first served, a bounded wait, nothing leaked.</summary>
public sealed class BodyBudgetTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(1);
    private readonly FakeTimeProvider _clock = new();

    private BodyBudget Budget(long capacity = 100) => new(capacity, Wait, _clock);

    [Fact]
    public async Task Bodies_that_fit_enter_at_once_and_one_that_does_not_enters_when_room_is_given_back()
    {
        var budget = Budget();
        (await budget.EnterAsync(60, CancellationToken.None)).ShouldBe(60);
        (await budget.EnterAsync(40, CancellationToken.None)).ShouldBe(40);

        var waiting = budget.EnterAsync(30, CancellationToken.None).AsTask();
        waiting.IsCompleted.ShouldBeFalse();
        budget.Leave(40);

        (await waiting).ShouldBe(30);
        budget.InUse.ShouldBe(90);
    }

    [Fact]
    public async Task A_body_that_finds_no_room_within_the_wait_is_refused_and_reserves_nothing()
    {
        var budget = Budget();
        await budget.EnterAsync(100, CancellationToken.None);

        var waiting = budget.EnterAsync(1, CancellationToken.None).AsTask();
        _clock.Advance(Wait - TimeSpan.FromMilliseconds(1));
        waiting.IsCompleted.ShouldBeFalse();
        _clock.Advance(TimeSpan.FromMilliseconds(1));

        (await waiting).ShouldBe(0);
        budget.Leave(100);
        budget.InUse.ShouldBe(0);
    }

    [Fact]
    public async Task Waiting_bodies_enter_in_arrival_order_so_a_large_one_is_not_starved_by_small_ones()
    {
        var budget = Budget();
        await budget.EnterAsync(50, CancellationToken.None);
        var large = budget.EnterAsync(80, CancellationToken.None).AsTask();
        var small = budget.EnterAsync(10, CancellationToken.None).AsTask(); // would fit now, but comes after the large one

        small.IsCompleted.ShouldBeFalse();
        budget.Leave(50);

        (await large).ShouldBe(80);
        (await small).ShouldBe(10);
    }

    [Fact]
    public async Task A_body_larger_than_the_budget_enters_alone()
    {
        var budget = Budget();
        (await budget.EnterAsync(500, CancellationToken.None)).ShouldBe(100);
        var next = budget.EnterAsync(1, CancellationToken.None).AsTask();
        next.IsCompleted.ShouldBeFalse();

        budget.Leave(100);
        (await next).ShouldBe(1);
    }

    [Fact]
    public async Task A_client_gone_while_waiting_throws_and_lets_those_behind_it_in()
    {
        var budget = Budget();
        await budget.EnterAsync(50, CancellationToken.None);
        using var gone = new CancellationTokenSource();
        var first = budget.EnterAsync(80, gone.Token).AsTask();
        var second = budget.EnterAsync(40, CancellationToken.None).AsTask();

        await gone.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(first);
        (await second).ShouldBe(40);
        budget.InUse.ShouldBe(90);
    }
}
