package org.cairndb.examples.ledger;

import jakarta.annotation.Resource;
import jakarta.ejb.ActivationConfigProperty;
import jakarta.ejb.MessageDriven;
import jakarta.jms.JMSDestinationDefinition;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageListener;
import jakarta.jms.TextMessage;
import jakarta.resource.ResourceException;
import org.cairndb.rar.CairnConnection;
import org.cairndb.rar.CairnConnectionFactory;

/**
 * The audit queue's consumer: records each transfer it receives in Cairn's {@code audit} database.
 * Receiving the message and writing the record are one JTA transaction, so every transfer is recorded
 * exactly once, even across a crash. One session keeps the records in the order of the messages.
 */
@JMSDestinationDefinition(name = AuditTrail.QUEUE, interfaceName = "jakarta.jms.Queue", destinationName = "LedgerAudit")
@MessageDriven(activationConfig = {
    @ActivationConfigProperty(propertyName = "destinationLookup", propertyValue = AuditTrail.QUEUE),
    @ActivationConfigProperty(propertyName = "destinationType", propertyValue = "jakarta.jms.Queue"),
    @ActivationConfigProperty(propertyName = "maxSession", propertyValue = "1")
})
public class AuditTrail implements MessageListener {

    static final String QUEUE = "java:app/jms/LedgerAudit";
    static final String AUDIT = "audit";

    @Resource(lookup = "java:/cairn/DefaultStore")
    private CairnConnectionFactory cairn;

    @Override
    public void onMessage(Message message) {
        try (CairnConnection c = cairn.getConnection()) {
            Transfer transfer = Transfer.fromLine(((TextMessage) message).getText());
            c.put(AUDIT, Ledger.bytes(transfer.id()), Ledger.bytes(transfer.toLine()));
        } catch (JMSException | ResourceException e) {
            // A system exception: the container rolls back and the message is delivered again.
            throw new IllegalStateException("cannot record audit message " + message, e);
        }
    }
}
