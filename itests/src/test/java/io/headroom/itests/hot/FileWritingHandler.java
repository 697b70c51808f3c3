package io.headroom.itests.hot;

import io.headroom.queue.api.Job;
import io.headroom.queue.api.JobHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A handler shipped in its own bundle: appends the job id to the file named by the payload. */
public class FileWritingHandler implements JobHandler {
    @Override
    public void handle(Job job) throws Exception {
        Files.writeString(Path.of(job.payload()), job.id() + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }
}
