"""Planning: demand forecasting and inventory policy calculations."""
