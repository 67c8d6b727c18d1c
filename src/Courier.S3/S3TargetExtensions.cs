using Courier.Core.Targets;
using Microsoft.Extensions.DependencyInjection;

namespace Courier.S3;

/// <summary>Registers the <c>s3</c> target kind.</summary>
public static class S3TargetExtensions
{
    /// <summary>Adds the factory of the <c>s3</c> target kind.</summary>
    public static IServiceCollection AddCourierS3Targets(this IServiceCollection services)
    {
        services.AddSingleton<ITargetFactory, S3TargetFactory>();
        return services;
    }
}
