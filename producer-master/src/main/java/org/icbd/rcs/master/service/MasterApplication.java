package org.icbd.rcs.master.service;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.UncheckedIOException;
import java.util.Map;
import org.icbd.rcs.master.repo.RepositoryException;

/**
 * Starts the master service in this JVM: the HTTP admin API (Micronaut), the SSH send service and the
 * reconcile rounds (topic and disk agree; retention when {@code keep} is set). Used by
 * {@code icbd master serve} and by end-to-end tests.
 *
 * <p>Settings come from {@code application-master.yml} (the {@value #ENVIRONMENT} environment, so that
 * the file never collides with another service's {@code application.yml} in one jar), then the
 * environment ({@code ICBD_MASTER_POOL}...) and system properties, then {@code properties}, which win.
 */
public final class MasterApplication {

    public static final String ENVIRONMENT = "master";

    private MasterApplication() {
    }

    /**
     * @param properties settings that override every other source, e.g. {@code icbd.master.pool}
     * @return the running context; close it to stop everything
     * @throws MasterStartException naming the setting at fault when the service cannot start
     */
    public static ApplicationContext run(Map<String, Object> properties) {
        ApplicationContext context = ApplicationContext.builder()
                .environments(ENVIRONMENT)
                .properties(properties)
                .build();
        try {
            context.start();
            context.getBean(EmbeddedServer.class).start();
            return context;
        } catch (RuntimeException e) {
            try {
                context.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new MasterStartException("the master cannot start: " + reason(e), e);
        }
    }

    /** The most telling message in the cause chain: ours when there is one, not the container's. */
    static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IllegalArgumentException || t instanceof RepositoryException
                    || t instanceof UncheckedIOException) {
                return t.getMessage();
            }
        }
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.toString();
    }
}
