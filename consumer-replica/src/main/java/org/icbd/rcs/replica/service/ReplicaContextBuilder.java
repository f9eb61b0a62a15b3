package org.icbd.rcs.replica.service;

import io.micronaut.context.ApplicationContext;
import io.micronaut.context.DefaultApplicationContext;
import io.micronaut.context.DefaultApplicationContextBuilder;
import io.micronaut.inject.BeanDefinitionReference;
import java.util.List;

/**
 * Builds a replica's application context: Micronaut's own beans and the replica's, never another
 * icbd service's. The {@code icbd} jar (and a test classpath) carries every service's bean
 * definitions; a service's eager ({@code @Context}) bean would otherwise start inside a replica's
 * context and fail there for want of its own settings.
 */
final class ReplicaContextBuilder extends DefaultApplicationContextBuilder {

    /** Bean definitions of this project live under this package... */
    private static final String PROJECT = "org.icbd.rcs.";
    /** ...and a replica's context takes only these. */
    private static final String REPLICA = "org.icbd.rcs.replica.";

    /** Valid iff the reference is not another icbd service's bean. */
    static boolean belongsInAReplica(BeanDefinitionReference<?> reference) {
        String name = reference.getBeanDefinitionName();
        return !name.startsWith(PROJECT) || name.startsWith(REPLICA);
    }

    @Override
    protected ApplicationContext newApplicationContext() {
        return new DefaultApplicationContext(this) {
            private List<BeanDefinitionReference> own;

            @Override
            @SuppressWarnings({"rawtypes", "unchecked"})
            protected List<BeanDefinitionReference> resolveBeanDefinitionReferences() {
                if (own == null) {
                    own = super.resolveBeanDefinitionReferences().stream()
                            .filter(r -> belongsInAReplica((BeanDefinitionReference<?>) r)).toList();
                }
                return own;
            }
        };
    }
}
