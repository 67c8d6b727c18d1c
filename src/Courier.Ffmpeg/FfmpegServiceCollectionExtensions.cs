using Courier.Core.Ingest;
using Microsoft.Extensions.DependencyInjection;

namespace Courier.Ffmpeg;

/// <summary>Registers ffmpeg as Courier's transcoder.</summary>
public static class FfmpegServiceCollectionExtensions
{
    public static IServiceCollection AddCourierFfmpeg(this IServiceCollection services, FfmpegOptions options)
    {
        services.AddSingleton<ITranscoder>(new FfmpegTranscoder(options));
        return services;
    }
}
