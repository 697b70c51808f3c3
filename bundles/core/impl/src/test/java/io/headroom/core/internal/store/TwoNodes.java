package io.headroom.core.internal.store;

import java.util.function.Consumer;

/** Two "nodes" of one component on one fresh control schema, as two Karaf nodes would share it. */
public final class TwoNodes<T> implements AutoCloseable {
    /** Builds the component on a node's control store. */
    @FunctionalInterface
    public interface Factory<T> {
        T create(MysqlControlStore store) throws Exception;
    }

    private final String schema = TestDatabase.newSchema();
    private final Factory<T> factory;
    private final Consumer<T> stop;
    private MysqlControlStore storeA;
    private final MysqlControlStore storeB;
    private T a;
    private final T b;

    public TwoNodes(Factory<T> factory, Consumer<T> stop) throws Exception {
        this.factory = factory;
        this.stop = stop;
        storeA = TestDatabase.store(schema);
        storeB = TestDatabase.store(schema);
        a = factory.create(storeA);
        b = factory.create(storeB);
    }

    public T a() {
        return a;
    }

    public T b() {
        return b;
    }

    public MysqlControlStore storeA() {
        return storeA;
    }

    /** Stops node A (component and pool) and starts it again on the same schema. */
    public T restartA() throws Exception {
        stop.accept(a);
        storeA.deactivate();
        storeA = TestDatabase.store(schema);
        a = factory.create(storeA);
        return a;
    }

    @Override
    public void close() {
        stop.accept(a);
        stop.accept(b);
        storeA.deactivate();
        storeB.deactivate();
        TestDatabase.server().dropSchema(schema);
    }
}
