using Microsoft.AspNetCore.Hosting;

namespace DeadlineGuard.Hosting;

/// <summary>Where the webhook and the reconciler both start: a web application builder with the program's settings.</summary>
public static class ServerBuilder
{
    /// <summary>
    /// The content root is the program's folder, so appsettings.json applies whatever the working directory; the
    /// arguments are normalized (<see cref="CommandArguments"/>); the server listens on <paramref name="defaultUrl"/>
    /// unless urls are configured, and configured urls that are not usable fail here, one problem each.
    /// </summary>
    public static WebApplicationBuilder Create(string[] args, string defaultUrl)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = CommandArguments.Normalize(args),
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            builder.WebHost.UseUrls(defaultUrl);
        }
        else if (ListenAddresses.Problems(builder.Configuration[WebHostDefaults.ServerUrlsKey]) is { Count: > 0 } problems)
        {
            throw new Microsoft.Extensions.Options.OptionsValidationException(WebHostDefaults.ServerUrlsKey, typeof(string), problems);
        }

        return builder;
    }
}
