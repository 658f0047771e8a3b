using System.Text.Json.Nodes;
using DeadlineGuard.Observability;
using Serilog.Events;
using Serilog.Parsing;

namespace DeadlineGuard.Tests.Observability;

/// <summary>The decision log's sink: every event queued is written, in order, one compact JSON line each, by the time it is disposed.</summary>
public sealed class CompactJsonConsoleSinkTests
{
    private static LogEvent Event(int i) => new(
        new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero), LogEventLevel.Information, null,
        new MessageTemplateParser().Parse("review {N}"), [new LogEventProperty("N", new ScalarValue(i))]);

    [Fact]
    public void Every_event_is_written_in_order_as_one_json_line_when_the_sink_stops()
    {
        using var output = new StringWriter();
        var sink = new CompactJsonConsoleSink(output);
        for (var i = 0; i < 2500; i++)
        {
            sink.Emit(Event(i));
        }

        sink.Dispose();

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(2500);
        lines.Select(l => JsonNode.Parse(l)!["N"]!.GetValue<int>()).ShouldBe(Enumerable.Range(0, 2500));
        lines[0].ShouldStartWith("{\"@t\":\"2026-11-27T10:00:00.0000000Z\",\"@mt\":\"review {N}\"");
    }

    [Fact]
    public void An_event_emitted_after_the_sink_stopped_is_dropped_without_an_error()
    {
        using var output = new StringWriter();
        var sink = new CompactJsonConsoleSink(output);
        sink.Dispose();

        Should.NotThrow(() => sink.Emit(Event(1)));
        output.ToString().ShouldBeEmpty();
    }
}
