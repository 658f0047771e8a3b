using System.IO.Pipelines;
using DeadlineGuard.Json;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace DeadlineGuard.Admission;

/// <summary>
/// Reads a review's body whole, within its limits: JSON only, at most <c>Admission:MaxRequestBytes</c> (declared or
/// read), and only with room in the decoding budget (<c>Admission:MaxDecodingBytes</c>, <see cref="BodyBudget"/>),
/// else 429 <c>throttled</c>. A body Kestrel cannot deliver is the client's fault (its status, a one-line reason);
/// a client gone mid-body gets no answer.
/// </summary>
public sealed class ReviewBodyReader(IOptions<AdmissionOptions> options, BodyBudget budget)
{
    private readonly int _maxRequestBytes = options.Value.MaxRequestBytes;

    /// <summary>
    /// The body, a rejection, or the client gone. Throws only as the client goes away while the budget is awaited
    /// (nothing stays reserved then).
    /// </summary>
    public async ValueTask<ReviewBody> ReadAsync(HttpContext context)
    {
        var request = context.Request;
        if (!IsJson(request.ContentType))
        {
            return ReviewBody.Rejected(new BodyRejection(
                StatusCodes.Status400BadRequest,
                $"content type must be application/json, found {(string.IsNullOrEmpty(request.ContentType) ? "none" : request.ContentType)}"));
        }

        if (request.ContentLength > _maxRequestBytes)
        {
            return ReviewBody.Rejected(TooLarge());
        }

        // Room for the body among those read and decoded at once, before a byte of it is read.
        var reserved = await budget.EnterAsync(request.ContentLength ?? _maxRequestBytes, context.RequestAborted);
        if (reserved == 0)
        {
            return ReviewBody.Rejected(new BodyRejection(
                StatusCodes.Status429TooManyRequests,
                $"too many reviews being read at once: {budget.InUse} of {budget.Capacity} bytes in use for {budget.Wait.TotalMilliseconds:0} ms (Admission:MaxDecodingBytes); retry",
                Throttled: true,
                Level: LogLevel.Information));
        }

        var reader = request.BodyReader;
        try
        {
            // With a declared length, one wait for the whole body (asking for one byte more returns at its end):
            // every read and advance takes the body pipe's lock, which Kestrel's frame loop holds as it writes.
            var wanted = request.ContentLength is { } declared ? (int)declared + 1 : 0;
            while (true)
            {
                // No cancellation token: a read canceled through one leaves Kestrel's body reader "in progress", and
                // Kestrel then logs an Error when it drains the body. A client gone fails the read by itself.
                var read = wanted > 0 ? await reader.ReadAtLeastAsync(wanted) : await reader.ReadAsync();
                if (read.Buffer.Length > _maxRequestBytes)
                {
                    reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
                    return ReviewBody.Rejected(TooLarge(), reserved);
                }

                // A canceled read is not the end of the body: Kestrel cancels pending reads when shutdown begins
                // (to stop waiting for a next request), and the review in flight must still be read whole.
                if (read.IsCompleted && !read.IsCanceled)
                {
                    return new ReviewBody(read.Buffer, reserved, null, false);
                }

                reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            }
        }
        catch (BadHttpRequestException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The body ended early because the connection is gone: nobody to answer.
            return ReviewBody.Gone(reserved);
        }
        catch (BadHttpRequestException e)
        {
            // The client's fault (a malformed or too slow body): Kestrel's own status, a one-line reason, logged at
            // Information (the client's problem, not the operator's).
            return ReviewBody.Rejected(
                new BodyRejection(e.StatusCode, $"request body could not be read: {JsonProblem.FirstLine(e.Message)}", Level: LogLevel.Information),
                reserved);
        }
        catch (Exception e) when (e is IOException || (e is OperationCanceledException && context.RequestAborted.IsCancellationRequested))
        {
            // The client went away mid-body (a reset connection comes as an IOException, sometimes before RequestAborted
            // is signalled): nobody to answer. Aborting tells Kestrel so: else it tries to drain the rest of the body
            // from a reader the failed read left busy, and logs that at Error.
            context.Abort();
            return ReviewBody.Gone(reserved);
        }
        catch
        {
            budget.Leave(reserved);
            throw;
        }
    }

    /// <summary>Gives back the body's room in the decoding budget.</summary>
    public void Release(in ReviewBody body)
    {
        if (body.Reserved > 0)
        {
            budget.Leave(body.Reserved);
        }
    }

    private BodyRejection TooLarge() => new(
        StatusCodes.Status413PayloadTooLarge,
        $"request body is larger than the limit of {_maxRequestBytes} bytes (Admission:MaxRequestBytes)");

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);
}
