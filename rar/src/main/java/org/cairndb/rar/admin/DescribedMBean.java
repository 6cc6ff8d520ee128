package org.cairndb.rar.admin;

import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.NotificationEmitter;
import javax.management.StandardEmitterMBean;

/**
 * An MXBean that emits notifications and gives JMX consoles the {@link Description}s of its interface
 * and the Java names of operation parameters (instead of "p0", "p1").
 */
final class DescribedMBean<T> extends StandardEmitterMBean {

    private final Class<T> type;

    DescribedMBean(T implementation, Class<T> type, NotificationEmitter emitter) {
        super(implementation, type, true, emitter);
        this.type = type;
    }

    @Override
    protected String getDescription(MBeanInfo info) {
        Description d = type.getAnnotation(Description.class);
        return d != null ? d.value() : super.getDescription(info);
    }

    @Override
    protected String getDescription(MBeanAttributeInfo info) {
        Method m = method((info.isIs() ? "is" : "get") + info.getName());
        Description d = m == null ? null : m.getAnnotation(Description.class);
        return d != null ? d.value() : super.getDescription(info);
    }

    @Override
    protected String getDescription(MBeanOperationInfo info) {
        Method m = method(info.getName());
        Description d = m == null ? null : m.getAnnotation(Description.class);
        return d != null ? d.value() : super.getDescription(info);
    }

    @Override
    protected String getParameterName(MBeanOperationInfo op, MBeanParameterInfo param, int sequence) {
        Parameter p = parameter(op, sequence);
        return p != null && p.isNamePresent() ? p.getName() : super.getParameterName(op, param, sequence);
    }

    @Override
    protected String getDescription(MBeanOperationInfo op, MBeanParameterInfo param, int sequence) {
        Parameter p = parameter(op, sequence);
        Description d = p == null ? null : p.getAnnotation(Description.class);
        return d != null ? d.value() : super.getDescription(op, param, sequence);
    }

    @Override
    protected int getImpact(MBeanOperationInfo info) {
        String n = info.getName();
        return n.startsWith("list") || n.startsWith("describe") || n.equals("verify") ? MBeanOperationInfo.INFO
                : MBeanOperationInfo.ACTION;
    }

    private Parameter parameter(MBeanOperationInfo op, int sequence) {
        Method m = method(op.getName());
        return m == null || sequence >= m.getParameterCount() ? null : m.getParameters()[sequence];
    }

    private Method method(String name) {
        for (Method m : type.getMethods()) {
            if (m.getName().equals(name)) {
                return m;
            }
        }
        return null;
    }
}
