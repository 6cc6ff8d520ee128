package org.cairndb.xa;

import com.arjuna.ats.internal.jta.resources.arjunacore.XAResourceRecord;
import com.arjuna.ats.internal.jta.resources.arjunacore.XAResourceRecordWrappingPlugin;
import javax.transaction.xa.XAResource;
import org.jboss.tm.XAResourceWrapper;

/**
 * Copies the JNDI name of an {@link XAResourceWrapper} into Narayana's log record of the branch, as
 * an application server's integration does (WildFly installs its own plugin for this). With the
 * name in the log, Narayana's recovery knows that a logged branch the named resource manager no
 * longer lists has been completed, instead of looking for it forever.
 */
final class JndiNameRecordPlugin implements XAResourceRecordWrappingPlugin {

    @Override
    public void transcribeWrapperData(XAResourceRecord record) {
        if (record.value() instanceof XAResourceWrapper w) {
            record.setJndiName(w.getJndiName());
            record.setProductName(w.getProductName());
            record.setProductVersion(w.getProductVersion());
        }
    }

    @Override
    public Integer getEISName(XAResource resource) {
        return 0;
    }

    @Override
    public String getEISName(Integer eisName) {
        return "unknown";
    }
}
