# syntax=docker/dockerfile:1
# Rollout Deadline Guard: one image for the admission webhook (`serve`) and the reconciler (`reconcile`).
#   docker build -t rollout-deadline-guard:dev .
#   docker run --rm rollout-deadline-guard:dev --help
# The arguments are the subcommand and its options; the Helm chart passes them (docs/install.md).

# ---- build -------------------------------------------------------------------------------------
# The SDK is pinned by the image tag; global.json is left out of the build context (.dockerignore)
# because the SDK image carries whichever 10.0 feature band is current, not necessarily ours.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Restore first, from the project files alone, so that the package layer is cached across code changes.
COPY Directory.Build.props Directory.Packages.props ./
COPY src/Webhook/Webhook.csproj src/Webhook/
RUN dotnet restore src/Webhook/Webhook.csproj

# .editorconfig holds the analyzer settings; without it TreatWarningsAsErrors fails the build.
COPY .editorconfig ./
COPY src/ src/
RUN dotnet publish src/Webhook -c Release -o /app --no-restore -p:UseAppHost=false

# ---- runtime -----------------------------------------------------------------------------------
# Chiseled Ubuntu: no shell, no package manager, only the ASP.NET Core runtime and its libraries.
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled AS runtime
WORKDIR /app
COPY --from=build /app ./

# Nothing is written at run time, so the root file system can be mounted read-only:
# - no diagnostics IPC socket (it would be created under TMPDIR);
# - no default HTTP port from the base image: the listen address comes from --urls.
# The chart still mounts an emptyDir on /tmp for anything the runtime might need there.
# HOME: .NET needs a home directory to build certificate chains (every TLS handshake, every call to the API
# server); user 64198 has no passwd entry, so without HOME every handshake failed. Nothing is written there
# (the program also falls back to TMPDIR by itself when HOME is unset, e.g. when a pod spec clears it).
ENV DOTNET_EnableDiagnostics=0 \
    ASPNETCORE_HTTP_PORTS= \
    TMPDIR=/tmp \
    HOME=/tmp

# The same numeric user as the chart's securityContext.runAsUser (non-root; no passwd entry needed).
USER 64198:64198

# 8443: the webhook's HTTPS (reviews, /healthz, /readyz, /metrics); 8081: the reconciler's HTTP.
EXPOSE 8443 8081

ENTRYPOINT ["dotnet", "Webhook.dll"]
CMD ["serve"]
