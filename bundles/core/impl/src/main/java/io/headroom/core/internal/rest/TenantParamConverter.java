package io.headroom.core.internal.rest;

import io.headroom.core.api.InvalidTenantIdException;
import io.headroom.core.api.TenantId;
import io.headroom.core.api.rest.ProblemException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Type;
import javax.ws.rs.ext.ParamConverter;
import javax.ws.rs.ext.ParamConverterProvider;

/** TenantId parameters: a bad id is a 400 with the format, not the 404 JAX-RS gives a failed path conversion. */
final class TenantParamConverter implements ParamConverterProvider {
    private static final ParamConverter<TenantId> CONVERTER = new ParamConverter<>() {
        @Override
        public TenantId fromString(String value) {
            try {
                return TenantId.of(value);
            } catch (InvalidTenantIdException e) {
                throw ProblemException.badRequest(e.getMessage());
            }
        }

        @Override
        public String toString(TenantId value) {
            return value.value();
        }
    };

    @Override
    @SuppressWarnings("unchecked")
    public <T> ParamConverter<T> getConverter(Class<T> rawType, Type genericType, Annotation[] annotations) {
        return rawType == TenantId.class ? (ParamConverter<T>) CONVERTER : null;
    }
}
