package io.pgrunbook.inventory;

/** An invalid inventory; the message names file, line and column. Exit code 65. */
public class InventoryException extends RuntimeException {
    public InventoryException(String message) {
        super(message);
    }

    public InventoryException(SourceLocation at, String message) {
        super(at + ": " + message);
    }
}
