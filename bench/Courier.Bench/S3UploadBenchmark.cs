using System.Diagnostics;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Courier.Core.Targets;
using Courier.S3;

namespace Courier.Bench;

/// <summary>
/// Throughput of an s3 target to the S3 server of COURIER_TEST_S3_URL (s3rver, keys S3RVER/S3RVER) for one large
/// file (1 GiB; smoke: 16 MiB), against a plain AWSSDK multipart upload of the same file with the same part size and
/// parallelism (no hashing, no verification) in the same run. Courier runs with full verification (each part's MD5,
/// the file's SHA-256 and, where the server's ETag form needs it, its MD5, hashed alongside the part uploads; HEAD and
/// ETag check) and with <c>Verify: size</c> (no whole-file MD5); each side's CPU time in the process is printed.
/// </summary>
internal sealed class S3UploadBenchmark : IBenchmark
{
    private const long PartSize = 16L << 20;
    private const int PartConcurrency = 4;

    public string Name => "s3";

    public async Task RunAsync(bool smoke, TextWriter output, CancellationToken cancellationToken)
    {
        var url = Environment.GetEnvironmentVariable("COURIER_TEST_S3_URL");
        if (string.IsNullOrEmpty(url))
        {
            throw new InvalidOperationException("COURIER_TEST_S3_URL is not set: run `.ci/services start` and `source .ci/work/env` first");
        }

        var size = smoke ? 16L << 20 : 1L << 30;
        var rounds = smoke ? 1 : 3;
        var directory = Directory.CreateTempSubdirectory("courier-bench-s3-");
        var bucket = "bench-" + Guid.NewGuid().ToString("N")[..16];
        using var client = RawClient(url);
        try
        {
            var source = Path.Combine(directory.FullName, "rendition.mp4");
            BenchFiles.WriteRandom(source, size);
            await client.PutBucketAsync(new PutBucketRequest { BucketName = bucket }, cancellationToken);
            var options = new S3TargetOptions
            {
                ServiceUrl = url,
                Bucket = bucket,
                ForcePathStyle = true,
                PartSize = PartSize,
                PartConcurrency = PartConcurrency,
                MultipartThreshold = smoke ? 8L << 20 : S3TargetDefaults.MultipartThreshold,
            };
            using var target = new S3Target("bench", "bench", VerifyMode.Full, options, new BasicAWSCredentials("S3RVER", "S3RVER"));
            using var sizeTarget = new S3Target("bench-size", "bench", VerifyMode.Size, options, new BasicAWSCredentials("S3RVER", "S3RVER"));
            output.WriteLine($"   file {size / (1 << 20)} MiB, parts of {PartSize >> 20} MiB, {PartConcurrency} at once, {rounds} round(s), best of each, sides taking turns at going first");

            // Warm-up (JIT, connections) on a small file, not measured.
            var warmUp = Path.Combine(directory.FullName, "warm-up.mp4");
            BenchFiles.WriteRandom(warmUp, 1 << 20);
            await target.PutAsync(new ObjectPut("courier/warm-up.mp4", warmUp, 1 << 20, "video/mp4"), cancellationToken);
            await sizeTarget.PutAsync(new ObjectPut("courier/warm-up.mp4", warmUp, 1 << 20, "video/mp4"), cancellationToken);
            await RawMultipartUploadAsync(client, bucket, "raw/warm-up.mp4", warmUp, 1 << 20, cancellationToken);

            await JitSettle.WaitAsync(output, cancellationToken);

            // The sides take turns at going first, and each timed run starts after a `sync` (untimed): s3rver never fsyncs, so
            // a run would otherwise write back the parts and the object the run before it left in the page cache.
            var sides = new (string Name, Func<Task> Upload)[]
            {
                ("raw AWSSDK multipart", () => RawMultipartUploadAsync(client, bucket, "raw/rendition.mp4", source, size, cancellationToken)),
                ("Courier, full verify", () => PushAsync(target, "courier/rendition.mp4")),
                ("Courier, Verify: size", () => PushAsync(sizeTarget, "courier-size/rendition.mp4")),
            };
            var best = sides.Select(_ => (Wall: TimeSpan.MaxValue, Cpu: TimeSpan.Zero)).ToArray();
            long peakAfterCourier = 0;
            for (var round = 0; round < rounds; round++)
            {
                for (var turn = 0; turn < sides.Length; turn++)
                {
                    var side = (turn + round) % sides.Length;
                    using var self = Process.GetCurrentProcess();
                    var cpu = self.TotalProcessorTime;
                    var wall = await PackageBenchmark.TimeAsync(sides[side].Upload);
                    self.Refresh();
                    if (wall < best[side].Wall)
                    {
                        best[side] = (wall, self.TotalProcessorTime - cpu);
                    }

                    if (side == 1 && peakAfterCourier == 0)
                    {
                        peakAfterCourier = self.PeakWorkingSet64;
                    }
                }
            }

            var mb = size / (double)(1 << 20);
            for (var side = 0; side < sides.Length; side++)
            {
                output.WriteLine($"   {sides[side].Name,-22}: {mb / best[side].Wall.TotalSeconds,8:0.0} MiB/s ({best[side].Wall.TotalSeconds:0.00} s, {best[side].Cpu.TotalSeconds:0.00} s CPU in this process)");
            }

            output.WriteLine($"   ratio Courier/raw    : {best[0].Wall / best[1].Wall,8:0.00} (full verify), {best[0].Wall / best[2].Wall:0.00} (Verify: size)");
            output.WriteLine($"   peak working set     : {peakAfterCourier / (double)(1 << 20),8:0} MiB (process, after the first Courier run)");
            output.WriteLine($"   hashing alone, one core, from the page cache: {HashingAlone(source)}");

            async Task PushAsync(S3Target courier, string key)
            {
                var result = await courier.PutAsync(new ObjectPut(key, source, size, "video/mp4"), cancellationToken);
                if (result.Bytes != size)
                {
                    throw new InvalidOperationException($"Courier pushed {result.Bytes} bytes of {size}");
                }
            }
        }
        finally
        {
            directory.Delete(recursive: true);
            await DeleteBucketAsync(client, bucket);
        }
    }

    /// <summary>The CPU cost of the hashes Courier computes in its one pass and the SDK does not: each alone over the file.</summary>
    private static string HashingAlone(string path)
    {
        var parts = new List<string>();
#pragma warning disable CA5351 // MD5 as Content-MD5 and ETags use it: integrity, not security.
        foreach (var algorithm in new[] { HashAlgorithmName.SHA256, HashAlgorithmName.MD5 })
#pragma warning restore CA5351
        {
            using var hash = IncrementalHash.CreateHash(algorithm);
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.SequentialScan);
            var buffer = new byte[1 << 20];
            var clock = Stopwatch.StartNew();
            int read;
            while ((read = file.Read(buffer)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }

            hash.GetHashAndReset();
            parts.Add($"{algorithm.Name} {clock.Elapsed.TotalSeconds:0.00} s");
        }

        return string.Join(", ", parts);
    }

    /// <summary>The baseline: AWSSDK's low-level multipart calls, parts read by the SDK from the file, nothing else.</summary>
    private static async Task RawMultipartUploadAsync(AmazonS3Client client, string bucket, string key, string path, long size, CancellationToken cancellationToken)
    {
        var upload = await client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = key }, cancellationToken);
        var count = (int)((size + PartSize - 1) / PartSize);
        var etags = new PartETag[count];
        await Parallel.ForEachAsync(Enumerable.Range(1, count), new ParallelOptions { MaxDegreeOfParallelism = PartConcurrency, CancellationToken = cancellationToken }, async (number, token) =>
        {
            var offset = (number - 1) * PartSize;
            var response = await client.UploadPartAsync(new UploadPartRequest
            {
                BucketName = bucket,
                Key = key,
                UploadId = upload.UploadId,
                PartNumber = number,
                FilePath = path,
                FilePosition = offset,
                PartSize = Math.Min(PartSize, size - offset),
                UseChunkEncoding = false,
            }, token);
            etags[number - 1] = new PartETag(number, response.ETag);
        });
        await client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = bucket, Key = key, UploadId = upload.UploadId, PartETags = [.. etags] }, cancellationToken);
    }

    private static AmazonS3Client RawClient(string url) =>
        new(new BasicAWSCredentials("S3RVER", "S3RVER"), new AmazonS3Config
        {
            ServiceURL = url,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });

    private static async Task DeleteBucketAsync(AmazonS3Client client, string bucket)
    {
        try
        {
            foreach (var key in new[] { "courier/rendition.mp4", "courier-size/rendition.mp4", "raw/rendition.mp4", "courier/warm-up.mp4", "raw/warm-up.mp4" })
            {
                await client.DeleteObjectAsync(bucket, key, CancellationToken.None);
            }

            await client.DeleteBucketAsync(bucket, CancellationToken.None);
        }
        catch (AmazonS3Exception)
        {
            // A bucket left behind in the test server's directory is harmless.
        }
    }
}
